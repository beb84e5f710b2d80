// `npm start` builds only when an output is missing or older than its sources, so a fresh clone
// builds once and later starts are instant.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const targets = [
  { output: 'deliverer/dist/main.js', sources: ['deliverer/src', 'deliverer/tsconfig.build.json'] },
  {
    output: 'client/dist/index.html',
    sources: ['client/src', 'client/index.html', 'client/vite.config.ts'],
  },
];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

const stale = targets.filter(
  ({ output, sources }) =>
    !existsSync(output) || statSync(output).mtimeMs < Math.max(...sources.map(newestMtime)),
);
if (stale.length > 0) {
  console.log(`building: ${stale.map((t) => t.output).join(', ')} missing or older than sources`);
  execSync('npm run build', { stdio: 'inherit' });
}

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Lowest patched versions: CVE-2024-38355, CVE-2026-33151, CVE-2026-48779 and friends. */
const MINIMUM: Record<string, [number, number, number]> = {
  'socket.io': [4, 8, 3],
  'engine.io': [6, 6, 9],
  'socket.io-parser': [4, 2, 6],
  ws: [8, 21, 0],
  cookie: [0, 7, 2],
};

interface Tree {
  version?: string;
  dependencies?: Record<string, Tree>;
}

/** Every installed copy of each watched package, wherever it sits in the tree. */
function installedCopies(): Map<string, Set<string>> {
  const output = execFileSync('npm', ['ls', '--all', '--json', ...Object.keys(MINIMUM)], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const copies = new Map<string, Set<string>>();
  const walk = (deps: Record<string, Tree> = {}) => {
    for (const [name, node] of Object.entries(deps)) {
      if (name in MINIMUM && node.version) {
        copies.set(name, (copies.get(name) ?? new Set()).add(node.version));
      }
      walk(node.dependencies);
    }
  };
  walk((JSON.parse(output) as Tree).dependencies);
  return copies;
}

function atLeast(version: string, minimum: [number, number, number]): boolean {
  const parts = version.split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) {
    if (parts[i]! !== minimum[i]) return parts[i]! > minimum[i]!;
  }
  return true;
}

test('the lockfile resolves no copy of socket.io, engine.io, socket.io-parser, ws or cookie below its patched version', () => {
  const copies = installedCopies();
  for (const name of Object.keys(MINIMUM)) expect(copies.get(name)?.size ?? 0).toBeGreaterThan(0);
  const vulnerable = [...copies].flatMap(([name, versions]) =>
    [...versions].filter((v) => !atLeast(v, MINIMUM[name]!)).map((v) => `${name}@${v}`),
  );
  expect(vulnerable).toEqual([]);
});

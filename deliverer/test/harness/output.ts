import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where tests leave artefacts (screenshots) for people to look at: test-results/ at the repo root. */
export function outputPath(file: string): string {
  const dir = fileURLToPath(new URL('../../../test-results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return `${dir}${file}`;
}

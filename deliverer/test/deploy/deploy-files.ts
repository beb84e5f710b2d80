import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the Docker build context and the Compose project directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function repoPath(path: string): string {
  return join(REPO_ROOT, path);
}

export function readRepoFile(path: string): string {
  return readFileSync(repoPath(path), 'utf8');
}

/**
 * The parent's environment for a child npm, without the settings `npm test -w deliverer` passes
 * down (its workspace among them); where the cache is stays, as `--offline` reads from it.
 */
export function npmEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        (!/^npm_/i.test(entry[0]) || /^npm_config_(cache|userconfig)$/i.test(entry[0])),
    ),
  );
}

/**
 * Arguments for `env -i`: a container's environment, only what the image and the run set, with
 * this node first on PATH as the image's is.
 */
export function containerEnv(env: Record<string, string>): string[] {
  return Object.entries({ PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, ...env }).map(
    ([key, value]) => `${key}=${value}`,
  );
}

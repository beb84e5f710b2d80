/**
 * The two systems under test, started the same way: node --expose-gc with the server probe
 * preloaded and an IPC channel for it, output to a log file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchFile, freePort, spawnNode, stop, tail, waitForSocketIo } from './processes.mjs';

const ROOT = benchFile('..');
const PROBE = pathToFileURL(benchFile('lib/server-probe.mjs')).href;
export const DELIVERER_MAIN = join(ROOT, 'deliverer/dist/main.js');

/**
 * deliverer accepts at most 100000 for both; 1,000,000 fails its config validation. Either way
 * the per-socket limit (default 20/s, burst 40) stays on but never throttles the publisher.
 */
export const RATE_LIMIT = '100000';

export const SYSTEMS = {
  B: { label: 'baseline (raw socket.io + redis-adapter)', entry: benchFile('baseline/server.mjs') },
  D: { label: 'deliverer (NestJS, dist/main.js)', entry: DELIVERER_MAIN },
};

/**
 * A hash of what a system runs. deliverer/dist can be rebuilt while the bench runs (the build
 * deletes it first); D runs with different hashes are not comparable.
 * @param {'B' | 'D'} system
 */
export function buildFingerprint(system) {
  const hash = createHash('sha256');
  const files =
    system === 'B'
      ? [SYSTEMS.B.entry]
      : existsSync(DELIVERER_MAIN)
        ? walk(join(ROOT, 'deliverer/dist')).filter((f) => f.endsWith('.js'))
        : [];
  for (const file of files.sort()) hash.update(relative(ROOT, file)).update(readFileSync(file));
  return files.length ? hash.digest('hex').slice(0, 16) : 'missing';
}

/** @param {string} dir @returns {string[]} */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Parent variables that would change what a replica runs are left out. */
function cleanEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(REDIS_|DELIVERER_|PORT$|POD_NAME$|CORS_|MAX_|PING_|LOG_|AUTH_|RATE_LIMIT_|TRUSTED_|ALLOW_|METRICS_|NODE_OPTIONS$)/.test(
          key,
        ),
    ),
  );
}

/**
 * @param {'B' | 'D'} system
 * @param {{ port: number, name: string, redisUrl: string, metricsPort: number }} options
 */
function envFor(system, { port, name, redisUrl, metricsPort }) {
  const common = { ...cleanEnv(), PORT: String(port), POD_NAME: name, REDIS_URL: redisUrl };
  if (system === 'B') return common;
  return {
    ...common,
    DELIVERER_ADAPTER: 'redis',
    METRICS_PORT: String(metricsPort),
    RATE_LIMIT_PER_SEC: RATE_LIMIT,
    RATE_LIMIT_BURST: RATE_LIMIT,
    LOG_LEVEL: 'info',
  };
}

/**
 * One replica that can be killed and restarted on the same port.
 * @param {'B' | 'D'} system
 * @param {{ name: string, redisUrl: string, logDir: string }} options
 */
export async function startReplica(system, { name, redisUrl, logDir }) {
  if (system === 'D' && !existsSync(DELIVERER_MAIN)) {
    throw new Error(`${DELIVERER_MAIN} is missing: run \`npm run build\` (npm run bench does)`);
  }
  const port = await freePort();
  const metricsPort = await freePort();
  const log = join(logDir, `${name}.log`);
  const env = envFor(system, { port, name, redisUrl, metricsPort });
  const args = ['--expose-gc', '--import', PROBE, SYSTEMS[system].entry];

  const launch = async () => {
    const started = performance.now();
    const managed = spawnNode(name, args, { env, log, cwd: ROOT });
    const alive = () => managed.child.exitCode === null && managed.child.signalCode === null;
    try {
      await waitForSocketIo(port, alive, 60_000);
    } catch (err) {
      await stop(managed);
      throw new Error(`${name} (${system}) did not start: ${err}\n${tail(log)}`, {
        cause: err,
      });
    }
    return { managed, bootMs: performance.now() - started };
  };

  let { managed, bootMs } = await launch();
  return {
    system,
    name,
    port,
    log,
    url: `http://127.0.0.1:${port}`,
    get pid() {
      return /** @type {number} */ (managed.child.pid);
    },
    get bootMs() {
      return bootMs;
    },
    /** @param {boolean} gc */
    probe: (gc) => managed.call('probe', { gc }, 30_000),
    /** kill -9, and as soon as the process is gone, start it again on the same port. */
    async killAndRestart() {
      const killedAt = Date.now();
      await stop(managed);
      ({ managed, bootMs } = await launch());
      return { killedAt, bootMs };
    },
    stop: () => stop(managed),
  };
}

/** @typedef {Awaited<ReturnType<typeof startReplica>>} Replica */

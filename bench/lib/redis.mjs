/** One redis-server for the whole bench, on a free port: a shared machine may already run one on 6379. */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, spawnTool, tail, waitForPort } from './processes.mjs';

/** @param {string} tmp */
export async function startRedis(tmp) {
  let port = await freePort();
  if (port === 6379) port = await freePort();
  const dir = mkdtempSync(join(tmp, 'redis-'));
  const log = join(dir, 'redis.log');
  const child = spawnTool(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    log,
  );
  try {
    await waitForPort(port, () => child.exitCode === null && child.signalCode === null, 10_000);
  } catch (err) {
    throw new Error(`redis-server did not start: ${err}\n${tail(log)}`, { cause: err });
  }
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 2 });
  await admin.connect();
  const info = await admin.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: /** @type {number} */ (child.pid),
    version,
    flushAll: () => admin.flushall(),
    async stop() {
      admin.disconnect();
      child.kill('SIGKILL');
    },
  };
}

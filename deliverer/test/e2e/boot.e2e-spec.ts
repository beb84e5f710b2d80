import { type AddressInfo, connect, createServer } from 'node:net';
import { closeAllClients, connectClient } from '../harness/clients.js';
import { eventually } from '../harness/eventually.js';
import { freePort } from '../harness/ports.js';
import { spawnGateway } from '../harness/gateway.js';
import { stopAll } from '../harness/processes.js';

afterAll(stopAll);

async function bootFails(env: Record<string, string>) {
  const proc = spawnGateway('bad-boot', {
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    ...env,
  });
  const exit = await proc.exited;
  return { exit, stderr: proc.stderr, stdout: proc.stdout };
}

describe('a bad boot stops with one line that names what to fix', () => {
  test('an unreachable REDIS_URL exits 1 after the bounded retry, naming REDIS_URL without a stack trace', async () => {
    const port = await freePort();
    const { exit, stderr } = await bootFails({
      REDIS_URL: `redis://:secret@127.0.0.1:${port}`,
      REDIS_CONNECT_TIMEOUT_MS: '1500',
    });
    expect(exit.code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(
      new RegExp(
        `^deliverer: REDIS_URL: cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} within 1500 ms`,
      ),
    );
    expect(stderr[0]).not.toContain('secret');
  });

  test('a METRICS_PORT already in use exits 1 naming METRICS_PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { exit, stderr } = await bootFails({ METRICS_PORT: String(port) });
      expect(exit.code).toBe(1);
      expect(stderr).toEqual([
        `deliverer: METRICS_PORT must be a port this process can listen on (got "${port}")`,
      ]);
    } finally {
      taken.close();
    }
  });

  test.each([
    ['MAX_TEXT_LENGTH', 'abc', /MAX_TEXT_LENGTH must be an integer from 1 to 100000/],
    ['PORT', '70000', /PORT must be an integer from 0 to 65535/],
    ['DELIVERER_ADAPTER', 'kafka', /DELIVERER_ADAPTER must be one of memory, redis, redis-streams/],
    ['DELIVERER_ADAPTER', 'redis', /DELIVERER_ADAPTER must be memory unless REDIS_URL is set/],
    [
      'REDIS_URL',
      'http://127.0.0.1:6379',
      /REDIS_URL must be a URL starting with redis:\/\/ or rediss:\/\//,
    ],
    ['REDIS_SHARDED', 'maybe', /REDIS_SHARDED must be true or false/],
    ['LOG_FORMAT', 'xml', /LOG_FORMAT must be one of json, pretty/],
    ['CORS_ORIGINS', 'example.com', /CORS_ORIGINS must be a comma-separated list of origins/],
    ['PING_INTERVAL_MS', '-5', /PING_INTERVAL_MS must be an integer/],
  ])('%s=%s exits 1 naming the variable', async (name, value, message) => {
    const { exit, stderr, stdout } = await bootFails({ [name]: value });
    expect(exit.code).toBe(1);
    expect(stderr).toEqual([expect.stringMatching(message)]);
    expect(stdout).toEqual([]);
  });
});

describe('a booting replica', () => {
  test('owns its port from the first moment and answers what arrived while the app loaded', async () => {
    const port = await freePort();
    const proc = spawnGateway('early', {
      HOST: '127.0.0.1',
      PORT: String(port),
      DRAIN_DELAY_MS: '0',
      DRAIN_WINDOW_MS: '0',
    });
    // A restarted replica's clients reconnect at once; each refused connect costs them a backoff.
    const nestStarted = await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          }).once('error', () => resolve(false));
        }),
      'the port accepts connections',
      15_000,
      10,
    ).then(() => proc.stdout.some((line) => line.includes('"context":"NestFactory"')));
    // Accepted before Nest had even started to create the app.
    expect(nestStarted).toBe(false);
    const client = await connectClient(`http://127.0.0.1:${port}`);
    expect(await client.timeout(5000).emitWithAck('input_event', 'served')).toMatchObject({
      status: 'ok',
    });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    closeAllClients();
    await proc.stop();
  });
});

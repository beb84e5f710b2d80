import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  everyoneReceives,
} from '../harness/clients.js';
import { Gateway } from '../harness/gateway.js';
import { ManagedProcess, stopAll } from '../harness/processes.js';
import { emitRaw, emitWithoutAck, nextEvent } from '../harness/untyped.js';

const SOCKET_CLIENT = fileURLToPath(new URL('../clients/socket-client.mjs', import.meta.url));

function spawnSocketClient(name: string, ...args: string[]): ManagedProcess {
  return new ManagedProcess(name, process.execPath, [SOCKET_CLIENT, ...args]);
}

function residentMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

/** Ack latencies of `count` sends paced at `perSecond`, in ms, sorted. */
async function ackLatencies(client: TestClient, count: number, perSecond: number) {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const ack = await client.timeout(5000).emitWithAck('input_event', `probe ${i}`);
    latencies.push(performance.now() - started);
    expect(ack).toMatchObject({ status: 'ok' });
    // Paced under the bystander's own rate limit: it measures latency, not its bucket.
    await delay(1000 / perSecond);
  }
  return latencies.sort((x, y) => x - y);
}

const p99 = (sorted: number[]) => sorted[Math.ceil(sorted.length * 0.99) - 1]!;

/** Tries a handshake; resolves with the polling status, or the websocket outcome. */
async function pollingHandshake(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

describe('per-socket event rate limit', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await Gateway.start({
      name: 'rate',
      env: {
        RATE_LIMIT_PER_SEC: '50',
        RATE_LIMIT_BURST: '100',
        RATE_LIMIT_DISCONNECT_AFTER: '1000000',
      },
    });
  });
  afterAll(async () => {
    closeAllClients();
    await gateway.stop();
    await stopAll();
  });

  test("1,000 events/s from one socket are rate-limited; another client's ack p99 stays within 50 ms of its baseline", async () => {
    const bystander = await connectClient(gateway.url);
    const baseline = await ackLatencies(bystander, 100, 40);

    const flooder = spawnSocketClient('flooder', 'flood', gateway.url, '1000', '4000');
    await flooder.waitForLine(/"event":"connected"/);
    const underFlood = await ackLatencies(bystander, 100, 40);
    const done = JSON.parse(await flooder.waitForLine(/"event":"done"/, 30_000)) as {
      counts: Record<string, number>;
    };
    process.stdout.write(
      `rate limit: bystander ack p99 ${p99(baseline).toFixed(1)} ms alone, ${p99(underFlood).toFixed(1)} ms under a 1,000/s flood; flooder acks ${JSON.stringify(done.counts)}\n`,
    );

    expect(done.counts.rate_limited).toBeGreaterThan(done.counts.ok!);
    expect(done.counts.no_ack).toBeUndefined();
    expect(p99(underFlood)).toBeLessThanOrEqual(p99(baseline) + 50);
    expect(gateway.alive).toBe(true);
  });

  test('an event over the rate gets rate_limited with retryAfterMs', async () => {
    // Refilling one token a second, the bucket stays spent while the burst is handled; at 50/s a
    // slow machine refilled one before the 101st event.
    const slow = await Gateway.start({
      name: 'rate-slow',
      env: { RATE_LIMIT_PER_SEC: '1', RATE_LIMIT_BURST: '100' },
    });
    const client = await connectClient(slow.url);
    const acks = await Promise.all(
      Array.from({ length: 101 }, (_, i) =>
        client.timeout(5000).emitWithAck('input_event', `burst ${i}`),
      ),
    );
    expect(acks.filter((ack) => ack.status === 'ok')).toHaveLength(100);
    expect(acks.at(-1)).toEqual({
      status: 'error',
      code: 'rate_limited',
      message: expect.stringMatching(/^too many events; retry in \d+ ms$/),
      retryAfterMs: expect.any(Number),
    });
    client.close();
    await slow.stop();
  });
});

describe('resource limits', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await Gateway.start({
      name: 'limits',
      env: { MAX_CONNECTIONS: '4', MAX_CONNECTIONS_PER_IP: '2', TRUSTED_PROXY_HOPS: '1' },
    });
  });
  afterAll(async () => {
    closeAllClients();
    await gateway.stop();
    await stopAll();
  });
  afterEach(closeAllClients);

  test('a socket that keeps flooding past the limit is disconnected', async () => {
    const client = await connectClient(gateway.url);
    const disconnected = nextEvent(client, 'disconnect');
    for (let i = 0; i < 200; i++) emitWithoutAck(client, 'input_event', `flood ${i}`);
    await expect(disconnected).resolves.toBe('io server disconnect');
    await gateway.proc.waitForLine(
      /"msg":"disconnecting a socket that kept exceeding its event rate"/,
    );
  });

  test('binary attachments are refused', async () => {
    const client = await connectClient(gateway.url);
    await expect(
      emitRaw(client, 'input_event', { text: 'x', file: Buffer.alloc(1024) }),
    ).resolves.toEqual({
      status: 'error',
      code: 'invalid_payload',
      message: 'binary attachments are not accepted',
    });
  });

  test('connections per client IP (from the trusted proxy) are capped with 503', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    // Kept open, so each one counts towards the caps until afterEach closes it.
    const viaProxy = (ip: string) =>
      connectClient(gateway.url, { headers: from(ip) }).then(
        () => 'connected',
        () => 'refused',
      );
    expect(await viaProxy('203.0.113.1')).toBe('connected');
    expect(await viaProxy('203.0.113.1')).toBe('connected');
    expect(await viaProxy('203.0.113.1')).toBe('refused');
    // A client-supplied entry left of the proxy's does not dodge the cap.
    expect(await pollingHandshake(gateway.url, from('198.51.100.7, 203.0.113.1'))).toEqual({
      status: 503,
      retryAfter: '1',
      body: JSON.stringify({
        code: 'over_capacity',
        message: 'too many connections from one address (2)',
      }),
    });
    expect(await viaProxy('203.0.113.2')).toBe('connected');
    expect(await viaProxy('203.0.113.3')).toBe('connected');
    // Four sessions now: the replica's own cap.
    expect(await pollingHandshake(gateway.url, from('203.0.113.4'))).toMatchObject({
      status: 503,
      body: JSON.stringify({
        code: 'over_capacity',
        message: 'this replica is at its 4 connections',
      }),
    });
  });
});

describe('slow consumers', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await Gateway.start({
      name: 'slow',
      env: {
        MAX_BUFFERED_BYTES: '262144',
        MAX_TEXT_LENGTH: '20000',
        RATE_LIMIT_PER_SEC: '1000',
        // Long heartbeats, so only the buffer limit can drop the frozen client.
        PING_INTERVAL_MS: '120000',
        PING_TIMEOUT_MS: '120000',
      },
    });
  });
  afterAll(async () => {
    closeAllClients();
    await gateway.stop();
    await stopAll();
  });

  test('a frozen client is dropped during a 100 msg/s broadcast, and replica memory stays bounded', async () => {
    const publisher = await connectClient(gateway.url);
    const frozen = spawnSocketClient('frozen', 'listen', gateway.url);
    await frozen.waitForLine(/"event":"connected"/);
    frozen.signal('SIGSTOP');
    const before = residentMiB(gateway.proc.pid);

    let peak = before;
    let sending = true;
    const dropped = gateway.proc
      .waitForLine(/"msg":"dropping a slow consumer"/, 60_000)
      .finally(() => (sending = false));
    const text = 'x'.repeat(19_000);
    let sent = 0;
    while (sending) {
      // Ten 20 kB messages every 100 ms: 100 msg/s, 2 MB/s, to fill the kernel's socket buffers.
      for (let i = 0; i < 10; i++) emitWithoutAck(publisher, 'input_event', `${sent++} ${text}`);
      peak = Math.max(peak, residentMiB(gateway.proc.pid));
      await delay(100);
    }
    const line = JSON.parse(await dropped) as { bufferedBytes: number };
    process.stdout.write(
      `slow consumer: dropped after ${sent} messages with ${line.bufferedBytes} bytes pending; gateway RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MiB\n`,
    );
    expect(line.bufferedBytes).toBeGreaterThan(262_144);
    expect(peak - before).toBeLessThan(100);

    await publisher.timeout(5000).emitWithAck('input_event', 'after the drop');
    await everyoneReceives([publisher], 'after the drop');
    frozen.signal('SIGCONT');
    await expect(frozen.waitForLine(/"event":"disconnected"/)).resolves.toMatch(
      /transport close|transport error/,
    );
  });
});

import {
  type TestClient,
  closeAllClients,
  connectClient,
  waitForSession,
} from '../harness/clients.js';
import { eventually } from '../harness/eventually.js';
import { Gateway } from '../harness/gateway.js';
import { stopAll } from '../harness/processes.js';
import { RedisServer } from '../harness/redis-server.js';
import { emitRaw, emitWithoutAck, nextEvent } from '../harness/untyped.js';

const REQUIRED_FAMILIES = [
  'deliverer_connected_sockets',
  'deliverer_connections_total',
  'deliverer_disconnections_total',
  'deliverer_events_received_total',
  'deliverer_messages_broadcast_total',
  'deliverer_event_handling_seconds',
  'deliverer_adapter_up',
  'deliverer_redis_errors_total',
  'deliverer_redis_reconnects_total',
  'deliverer_draining',
  'deliverer_sessions_total',
  'nodejs_eventloop_lag_seconds',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];

function connected(scrape: Awaited<ReturnType<Gateway['metrics']>>, transport: string): number {
  return scrape.value('deliverer_connected_sockets', { transport });
}

/** Connects `count` clients and waits for each one's session event, so the server counted it. */
async function connectMany(url: string, count: number, options = {}): Promise<TestClient[]> {
  const clients = await Promise.all(
    Array.from({ length: count }, () => connectClient(url, options)),
  );
  await Promise.all(clients.map((client) => waitForSession(client)));
  return clients;
}

describe('metrics on METRICS_PORT', () => {
  let redis: RedisServer;
  let a: Gateway;

  beforeAll(async () => {
    redis = await RedisServer.start();
    a = await Gateway.start({
      name: 'node-a',
      mode: 'redis-streams',
      redisUrl: redis.url,
      env: { RATE_LIMIT_PER_SEC: '1', RATE_LIMIT_BURST: '3' },
    });
  });
  afterAll(async () => {
    closeAllClients();
    await stopAll();
    await redis.dispose();
  });
  afterEach(closeAllClients);

  test('serve every required family in Prometheus text format, and only there', async () => {
    const scrape = await a.metrics();
    expect(scrape.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(scrape.families).toEqual(expect.arrayContaining(REQUIRED_FAMILIES));
    expect(scrape.value('deliverer_adapter_up')).toBe(1);
    expect(scrape.value('deliverer_draining')).toBe(0);
    // The public port, which the Service and Ingress expose, has no metrics.
    expect((await fetch(`${a.url}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${a.metricsPort}/`)).status).toBe(404);
  });

  test('count events by result, time the dispatched ones, and count broadcasts', async () => {
    const before = await a.metrics();
    const client = await connectClient(a.url);
    const acks = [
      await emitRaw(client, 'input_event', 'counted'),
      await emitRaw(client, 'input_event', { text: 42 }),
      await emitRaw(client, 'no_such_event', 'x'),
      await emitRaw(client, 'input_event', 'over the burst'),
      await emitRaw(client, 'input_event', 'over the burst'),
    ];
    expect(acks.map((ack) => (ack as { code?: string }).code ?? 'ok')).toEqual([
      'ok',
      'invalid_payload',
      'unknown_event',
      'rate_limited',
      'rate_limited',
    ]);
    // Without an ack the refusal comes as an error_event, and is counted the same way.
    // (From a second socket: the first one has used up its burst.)
    const other = await connectClient(a.url);
    const refusal = nextEvent(other, 'error_event');
    emitWithoutAck(other, 'set_profile', { name: '' });
    expect(await refusal).toMatchObject({ code: 'invalid_payload' });
    const after = await a.metrics();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    const events = 'deliverer_events_received_total';
    expect(delta(events, { event: 'input_event', result: 'ok' })).toBe(1);
    expect(delta(events, { event: 'input_event', result: 'invalid' })).toBe(1);
    expect(delta(events, { event: 'unknown', result: 'unknown_event' })).toBe(1);
    expect(delta(events, { event: 'set_profile', result: 'invalid' })).toBe(1);
    expect(delta(events, { event: 'input_event', result: 'rate_limited' })).toBe(2);
    // Only the two that passed the edge guard reached the handler and were timed.
    expect(delta('deliverer_event_handling_seconds_count', { event: 'input_event' })).toBe(2);
    expect(delta('deliverer_messages_broadcast_total')).toBe(1);
    expect(delta('deliverer_connections_total')).toBe(2);
  });
});

describe('deliverer_connected_sockets across a peer crash and a drain', () => {
  let redis: RedisServer;
  let a: Gateway;
  let b: Gateway;
  let c: Gateway;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const start = (name: string) =>
      Gateway.start({
        name,
        mode: 'redis-streams',
        redisUrl: redis.url,
        // Long enough to see the drain from outside; short enough for a test.
        env: { DRAIN_DELAY_MS: '500', DRAIN_WINDOW_MS: '1000' },
      });
    [a, b, c] = await Promise.all([start('node-a'), start('node-b'), start('node-c')]);
  });
  afterAll(async () => {
    closeAllClients();
    await stopAll();
    await redis.dispose();
  });

  test('the survivor counts the crashed peer’s clients once, and the drained replica’s too', async () => {
    const onA = await connectMany(a.url, 2, { failoverTo: c.url });
    const onB = await connectMany(b.url, 4, { failoverTo: a.url });
    const polling = await connectMany(a.url, 1, { failoverTo: c.url, transport: 'polling' });
    expect(connected(await a.metrics(), 'websocket')).toBe(2);
    expect(connected(await a.metrics(), 'polling')).toBe(1);
    expect(connected(await b.metrics(), 'websocket')).toBe(4);

    // SIGKILL: B says goodbye to nobody; its clients fail over to A.
    b.proc.kill();
    await Promise.all(onB.map((client) => waitForSession(client, 2)));
    for (const client of onB) client.failoverTo = c.url;
    let scrape = await a.metrics();
    expect(connected(scrape, 'websocket')).toBe(6);
    expect(connected(scrape, 'polling')).toBe(1);
    expect(scrape.value('deliverer_connections_total')).toBe(7);

    // A drains: every client, B's former ones included, moves to C and is recovered there.
    const cBefore = await c.metrics();
    a.proc.signal('SIGTERM');
    await eventually(
      async () => (await a.metrics()).value('deliverer_draining') === 1,
      'node-a reports draining',
      2000,
      50,
    );
    await Promise.all(
      [...onA, ...onB, ...polling].map((client) =>
        waitForSession(client, 2 + Number(onB.includes(client))),
      ),
    );
    scrape = await c.metrics();
    expect(connected(scrape, 'websocket') + connected(scrape, 'polling')).toBe(7);
    expect(
      scrape.value('deliverer_sessions_total', { recovered: 'true' }) -
        cBefore.value('deliverer_sessions_total', { recovered: 'true' }),
    ).toBe(7);
    expect((await a.proc.exited).code).toBe(0);
  });
});

import { setTimeout as delay } from 'node:timers/promises';
import { Cluster } from '../harness/cluster.js';
import { emitRaw } from '../harness/untyped.js';
import {
  closeAllClients,
  connectClient,
  everyoneReceives,
  settle,
  waitForBroadcast,
  waitForSession,
} from '../harness/clients.js';

// Short drains keep each test to a few seconds; the production defaults are 5 s + 10 s.
const FAST_DRAIN = { DRAIN_DELAY_MS: '200', DRAIN_WINDOW_MS: '300' };

describe('Connection State Recovery across replicas (redis-streams)', () => {
  let cluster: Cluster;

  beforeEach(async () => {
    cluster = await Cluster.start('redis-streams', 2, FAST_DRAIN);
  });
  afterEach(async () => {
    closeAllClients();
    await cluster.stop();
  });

  async function drain(index: number) {
    const node = cluster.nodes[index]!;
    node.proc.signal('SIGTERM');
    return node.proc.exited;
  }

  test('a client that received nothing recovers its session on the other replica (socket.io#4888)', async () => {
    const [a, b] = cluster.nodes;
    const silent = await connectClient(a!.url, { failoverTo: b!.url });
    await waitForSession(silent);
    const id = silent.id;

    await expect(drain(0)).resolves.toEqual({ code: 0, signal: null });
    const sessions = await waitForSession(silent, 2);

    expect(sessions).toEqual([
      { node: 'node-a', recovered: false },
      { node: 'node-b', recovered: true },
    ]);
    expect(silent.recovered).toBe(true);
    expect(silent.id).toBe(id);
  });

  test('the display name survives recovery and every broadcast carries it', async () => {
    const [a, b] = cluster.nodes;
    const ada = await connectClient(a!.url, { failoverTo: b!.url });
    const observer = await connectClient(b!.url);
    await expect(
      ada.timeout(5000).emitWithAck('set_profile', { name: '  Ada  ' }),
    ).resolves.toEqual({
      status: 'ok',
      name: 'Ada',
    });
    await ada.timeout(5000).emitWithAck('input_event', 'before');

    await drain(0);
    const sessions = await waitForSession(ada, 2);
    expect(sessions[1]).toEqual({ node: 'node-b', recovered: true, name: 'Ada' });
    await ada.timeout(5000).emitWithAck('input_event', 'after');

    await everyoneReceives([observer], 'after');
    expect(observer.received.map((m) => [m.text, m.senderName, m.node])).toEqual([
      ['before', 'Ada', 'node-a'],
      ['after', 'Ada', 'node-b'],
    ]);
  });

  test('messages broadcast while a client moves between replicas arrive exactly once, in order', async () => {
    const [a, b] = cluster.nodes;
    const mover = await connectClient(a!.url, { failoverTo: b!.url });
    const publisher = await connectClient(b!.url);
    await waitForSession(mover);

    // Paced so that the sends span the drain (200 ms delay + 300 ms window) and the reconnect.
    const texts = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const publishing = (async () => {
      for (const text of texts) {
        await publisher.timeout(5000).emitWithAck('input_event', text);
        await delay(20);
      }
    })();
    await drain(0);
    expect((await waitForSession(mover, 2))[1]).toEqual({ node: 'node-b', recovered: true });
    await publishing;

    await waitForBroadcast(mover, (got) => got.some((m) => m.text === 'm59'));
    expect(mover.received.map((m) => m.text)).toEqual(texts);
  });

  test('a repeated clientMsgId, on any replica, is acked with the original id and broadcast once', async () => {
    const [a, b] = cluster.nodes;
    const first = await connectClient(a!.url);
    const retry = await connectClient(b!.url);
    const clientMsgId = 'c0ffee00-1234-4abc-9def-000000000001';

    const ack = await first.timeout(5000).emitWithAck('input_event', { text: 'once', clientMsgId });
    const again = await retry
      .timeout(5000)
      .emitWithAck('input_event', { text: 'once', clientMsgId });
    expect(ack).toEqual({ status: 'ok', id: expect.any(String) });
    expect(again).toEqual(ack);

    await settle(first, [first, retry]);
    expect(retry.received.filter((m) => m.text === 'once')).toHaveLength(1);
  });
});

describe('set_profile validation', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('redis-streams', 1);
  });
  afterAll(() => cluster.stop());
  afterEach(closeAllClients);

  test.each([
    [{}, /name is required/],
    [{ name: '' }, /must not be empty/],
    [{ name: 'x'.repeat(41) }, /at most 40 characters/],
    [{ name: 'bell\u0007' }, /control characters/],
    [{ name: 7 }, /name must be a string/],
    ['Ada', /payload must be an object/],
    [{ name: 'Ada', role: 'admin' }, /unknown field "role"/],
  ])(
    'set_profile %j gets the invalid_payload envelope and changes nothing',
    async (payload, message) => {
      const client = await connectClient(cluster.nodes[0]!.url);
      await expect(emitRaw(client, 'set_profile', payload)).resolves.toEqual({
        status: 'error',
        code: 'invalid_payload',
        message: expect.stringMatching(message),
      });
      await client.timeout(5000).emitWithAck('input_event', 'nameless');
      const [received] = await everyoneReceives([client], 'nameless');
      expect(received!.find((m) => m.text === 'nameless')!.senderName).toBeUndefined();
    },
  );
});

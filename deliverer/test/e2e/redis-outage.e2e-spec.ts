import { setTimeout as delay } from 'node:timers/promises';
import { Cluster } from '../harness/cluster.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  countOf,
  waitForBroadcast,
} from '../harness/clients.js';
import { eventually } from '../harness/eventually.js';
import type { AdapterMode } from '../harness/gateway.js';

type Fault = 'stop' | 'freeze';

/** Sends a numbered message every `everyMs` until stopped, recording every ack. */
function keepSending(client: TestClient, prefix: string, everyMs: number) {
  const acks: unknown[] = [];
  const texts: string[] = [];
  let running = true;
  const done = (async () => {
    for (let n = 0; running; n++) {
      const text = `${prefix} ${n}`;
      texts.push(text);
      acks.push(
        await client
          .timeout(2000)
          .emitWithAck('input_event', text)
          .catch((err: Error) => err.message),
      );
      await delay(everyMs);
    }
  })();
  return {
    acks,
    texts,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const scenarios: [AdapterMode, Fault, number][] = [
  // Past the ~10 s after which ioredis' default of 20 retries rejects queued commands.
  ['redis', 'stop', 15_000],
  ['redis', 'freeze', 5000],
  ['redis-streams', 'stop', 5000],
  ['redis-streams', 'freeze', 5000],
];

describe.each(scenarios)(
  '%s adapter, Redis %s for %i ms under two replicas',
  (mode, fault, outageMs) => {
    let cluster: Cluster;

    beforeAll(async () => {
      cluster = await Cluster.start(mode, 2);
    });
    afterAll(() => cluster.stop());
    afterEach(closeAllClients);

    test('replicas stay up and unready during the outage, then broadcast across again within 10 s', async () => {
      const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
      const redis = cluster.redis!;
      const sender = await connectClient(a.url);
      const localObserver = await connectClient(a.url);
      const remoteObserver = await connectClient(b.url);
      await sender.timeout(2000).emitWithAck('input_event', 'before the outage');
      await waitForBroadcast(remoteObserver, (got) =>
        got.some((m) => m.text === 'before the outage'),
      );

      if (fault === 'stop') await redis.stop();
      else redis.freeze();
      const sending = keepSending(sender, 'during outage', 250);

      // A frozen Redis sends nothing; only the readiness PING deadline can notice it.
      for (const node of cluster.nodes) {
        await eventually(
          async () => (await node.readiness()).status === 503,
          `${node.name} /readyz turns 503`,
          3000,
        );
      }
      expect((await a.readiness()).body).toMatchObject({
        status: 'error',
        error: { fanout: { status: 'down' } },
      });
      await delay(outageMs); // the outage itself, not a wait for anything
      for (const node of cluster.nodes) {
        expect(node.alive).toBe(true);
        expect((await node.readiness()).status).toBe(503);
      }
      await sending.stop();
      expect(sending.acks.length).toBeGreaterThan(outageMs / 1000);
      expect(sending.acks.every((ack) => (ack as { status?: string }).status === 'ok')).toBe(true);
      if (mode === 'redis') {
        // The pub/sub adapter delivers to local clients at once; only other replicas miss out.
        expect(sending.texts.every((text) => countOf(localObserver, text) === 1)).toBe(true);
      }

      if (fault === 'stop') await redis.restart();
      else redis.thaw();
      for (const node of cluster.nodes) {
        await eventually(
          async () => (await node.readiness()).status === 200,
          `${node.name} /readyz back to 200`,
          10_000,
        );
      }
      let probes = 0;
      await eventually(
        async () => {
          await sender.timeout(2000).emitWithAck('input_event', `probe ${probes++}`);
          return remoteObserver.received.some((m) => m.text.startsWith('probe '));
        },
        'a message from A reaches a client on B',
        10_000,
        500,
      );

      if (mode === 'redis-streams') {
        // The streams adapter queues the XADDs and delivers everything, in order, once Redis is back.
        for (const observer of [localObserver, remoteObserver]) {
          await waitForBroadcast(observer, (got) =>
            sending.texts.every((t) => got.some((m) => m.text === t)),
          );
          const seen = observer.received
            .filter((m) => m.text.startsWith('during outage'))
            .map((m) => m.text);
          expect(seen).toEqual(sending.texts);
        }
      }
      for (const node of cluster.nodes) {
        expect(node.alive).toBe(true);
        expect(
          node.proc.stdout.filter((line) => line.includes('fan-out backend is down')),
        ).toHaveLength(1);
        expect(
          node.proc.stdout.filter((line) => line.includes('unhandled promise rejection')),
        ).toEqual([]);
      }
    });
  },
);

import { Gateway, type GatewayOptions } from '../harness/gateway.js';
import {
  type TestClient,
  type Transport,
  closeAllClients,
  connectClient,
  waitForBroadcast,
  waitForSession,
} from '../harness/clients.js';
import { NginxProxy, sourceAddress } from '../harness/nginx.js';
import { stopAll } from '../harness/processes.js';
import { RedisServer } from '../harness/redis-server.js';
import { deliveryReport, publishAtRate, rollingRestart } from '../harness/rollout.js';
import { TEST_JWT_SECRET, signToken } from '../harness/tokens.js';

const ROLLOUTS = 5;
const RATE_PER_SECOND = 20;
// Scaled down from 5 s + 10 s so five rollouts fit in the suite's time budget.
const DRAIN = { DRAIN_DELAY_MS: '300', DRAIN_WINDOW_MS: '1000' };

// With authentication, every recovery runs an asynchronous middleware between the restore and the
// connection: broadcasts that arrive meanwhile must still reach the socket, once and in order.
describe.each<[Transport, number, number, boolean]>([
  ['websocket', 200, ROLLOUTS, true],
  ['polling', 100, 1, false],
])(
  'rolling restart under load: %s, %i clients, %i rollout(s), auth %s',
  (transport, clientCount, rollouts, auth) => {
    let redis: RedisServer;
    let nginx: NginxProxy;
    let nodes: Gateway[];
    let generation = 0;
    const template = (): Omit<GatewayOptions, 'name'> => ({
      mode: 'redis-streams',
      redisUrl: redis.url,
      env: { ...DRAIN, ...(auth && { AUTH_JWT_SECRET: TEST_JWT_SECRET }) },
    });

    beforeAll(async () => {
      redis = await RedisServer.start();
      nodes = await Promise.all(
        ['a', 'b'].map((suffix) => Gateway.start({ ...template(), name: `gen0-${suffix}` })),
      );
      nginx = await NginxProxy.start({ upstreams: nodes.map((node) => node.port) });
    });
    afterAll(async () => {
      closeAllClients();
      await nginx?.stop();
      await Promise.all(nodes.map((node) => node.stop()));
      await redis?.dispose();
      await stopAll();
    });

    test(`${rollouts} rollout(s) in a row: every message exactly once and in order, every session recovered`, async () => {
      const connectThroughNginx = async (i: number) =>
        connectClient(nginx.url, {
          transport,
          localAddress: sourceAddress(i),
          failoverTo: nginx.url,
          retries: 20,
          ...(auth && { token: await signToken({ sub: `user-${i}` }) }),
        });
      const clients: TestClient[] = [];
      for (let i = 0; i < clientCount; i += 50) {
        const batch = Array.from({ length: Math.min(50, clientCount - i) }, (_, j) =>
          connectThroughNginx(i + j),
        );
        clients.push(...(await Promise.all(batch)));
      }
      await Promise.all(clients.map((client) => waitForSession(client)));
      expect(new Set(clients.map((c) => c.sessions[0]!.node)).size).toBe(2);
      const publisher = clients[0]!;

      const reports = [];
      for (let run = 1; run <= rollouts; run++) {
        const publishing = publishAtRate(publisher, `run ${run}`, RATE_PER_SECOND);
        generation += 1;
        const { replaced, exitCodes } = await rollingRestart(
          nodes,
          nginx,
          template(),
          (i) => `gen${generation}-${'ab'[i]}`,
        );
        nodes = replaced;
        const acks = await publishing.stop();
        const last = publishing.texts.at(-1)!;
        await Promise.all(
          clients.map((client) =>
            waitForBroadcast(client, (got) => got.some((m) => m.text === last), 20_000),
          ),
        );
        const report = { run, ...deliveryReport(clients, publishing.texts), exitCodes };
        reports.push(report);
        process.stdout.write(`rollout ${transport}: ${JSON.stringify(report)}\n`);

        expect(exitCodes).toEqual([0, 0]);
        expect(acks.every((ack) => (ack as { status: string }).status === 'ok')).toBe(true);
        expect(report).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0 });
        expect(report.reconnects).toBeGreaterThanOrEqual(clientCount * run);
        expect(report.recovered).toBe(report.reconnects);
        expect(clients.every((client) => client.connected)).toBe(true);
      }
      expect(nginx.accessLog().filter((entry) => entry.status === 400)).toEqual([]);
      expect(reports).toHaveLength(rollouts);
    });
  },
);

import { Cluster } from '../harness/cluster.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  everyoneReceives,
  waitForSession,
} from '../harness/clients.js';
import { NginxProxy, sourceAddress } from '../harness/nginx.js';
import { publishAtRate } from '../harness/rollout.js';

const CLIENTS = 40;
const RATE_PER_SECOND = 50;

describe('SIGKILL of one replica behind nginx (redis-streams)', () => {
  let cluster: Cluster;
  let nginx: NginxProxy;

  beforeAll(async () => {
    cluster = await Cluster.start('redis-streams', 2);
    nginx = await NginxProxy.start({ upstreams: cluster.nodes.map((node) => node.port) });
  });
  afterAll(async () => {
    closeAllClients();
    await nginx?.stop();
    await cluster?.stop();
  });

  test('its clients reconnect to the survivor within 10 s and get everything published after; the loss window is reported', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const clients: TestClient[] = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) =>
        connectClient(nginx.url, { localAddress: sourceAddress(i), failoverTo: nginx.url }),
      ),
    );
    await Promise.all(clients.map((client) => waitForSession(client)));
    const onA = clients.filter((client) => client.sessions[0]!.node === a.name);
    const onB = clients.filter((client) => client.sessions[0]!.node === b.name);
    expect(onA.length).toBeGreaterThan(0);
    expect(onB.length).toBeGreaterThan(0);
    // The publisher sits on the survivor, so what is published is known to have been accepted.
    const publisher = await connectClient(b.url, { retries: 10 });
    const publishing = publishAtRate(publisher, 'crash', RATE_PER_SECOND);
    await everyoneReceives(clients, 'crash 5');

    const killedAt = Date.now();
    a.proc.signal('SIGKILL');
    await Promise.all(onA.map((client) => waitForSession(client, 2, 10_000)));
    const reconnectedAfterMs = Date.now() - killedAt;
    await publishing.stop();
    await everyoneReceives(onB, publishing.texts.at(-1)!);

    // Socket.IO is at most once after a crash: the session was never persisted.
    expect(onA.map((client) => client.sessions[1])).toEqual(
      onA.map(() => ({ node: b.name, recovered: false })),
    );
    const after = await publisher.timeout(5000).emitWithAck('input_event', 'after the crash');
    expect(after).toMatchObject({ status: 'ok' });
    await everyoneReceives(clients, 'after the crash');

    const missed = (client: TestClient) => {
      const got = new Set(client.received.map((m) => m.text));
      return publishing.texts.filter((text) => !got.has(text));
    };
    expect(onB.map((client) => missed(client).length)).toEqual(onB.map(() => 0));
    const lossPerClient = onA.map((client) => missed(client).length);
    process.stdout.write(
      `crash: ${onA.length} clients on the killed replica, all back on ${b.name} after ${reconnectedAfterMs} ms; ` +
        `messages missed per client at ${RATE_PER_SECOND} msg/s: min ${Math.min(...lossPerClient)}, max ${Math.max(...lossPerClient)} ` +
        `(~${Math.round((Math.max(...lossPerClient) / RATE_PER_SECOND) * 1000)} ms window)\n`,
    );
    expect(reconnectedAfterMs).toBeLessThan(10_000);
  });
});

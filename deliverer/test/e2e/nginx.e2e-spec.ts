import { Cluster } from '../harness/cluster.js';
import {
  type TestClient,
  type Transport,
  closeAllClients,
  connectClient,
  countOf,
  settle,
  waitForHeartbeats,
  waitForSession,
} from '../harness/clients.js';
import { NginxProxy, sourceAddress } from '../harness/nginx.js';

type ProxiedClient = TestClient & { address: string };

/** connectClient from a given loopback address, so `hash $remote_addr` can tell clients apart. */
async function connectFrom(url: string, transport: Transport, address: string) {
  const client = await connectClient(url, { transport, localAddress: address });
  return Object.assign(client, { address }) as ProxiedClient;
}

describe('two replicas behind nginx configured like the Ingress', () => {
  let cluster: Cluster;
  let nginx: NginxProxy;

  beforeAll(async () => {
    // A fast heartbeat, so long-polls complete and are re-sent within seconds. No drain: this
    // suite is not about it, and teardown would wait out the default delay and window.
    cluster = await Cluster.start('redis', 2, {
      PING_INTERVAL_MS: '1000',
      DRAIN_DELAY_MS: '0',
      DRAIN_WINDOW_MS: '0',
    });
    nginx = await NginxProxy.start({ upstreams: cluster.nodes.map((node) => node.port) });
  });
  afterAll(async () => {
    closeAllClients();
    await nginx?.stop();
    await cluster?.stop();
  });
  afterEach(closeAllClients);

  test('40 clients spread over both replicas each get a message exactly once, polling stays sticky', async () => {
    const transports: Transport[] = ['websocket', 'polling'];
    const clients = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        connectFrom(nginx.url, transports[i % 2]!, sourceAddress(i)),
      ),
    );
    await Promise.all(clients.map((client) => waitForSession(client)));
    const nodeOf = (client: TestClient) => client.sessions[0]!.node;
    expect(new Set(clients.map(nodeOf))).toEqual(new Set(cluster.nodes.map((node) => node.name)));

    const sender = clients[0]!;
    const ack = await sender.timeout(5000).emitWithAck('input_event', { text: 'through nginx' });
    expect(ack).toEqual({ status: 'ok', id: expect.any(String) });
    await settle(sender, clients);
    expect(clients.map((client) => countOf(client, 'through nginx'))).toEqual(Array(40).fill(1));

    const polling = clients.filter((_, i) => transports[i % 2] === 'polling');
    await waitForHeartbeats(polling, 3);
    expect(polling.filter((client) => !client.connected).map((client) => client.address)).toEqual(
      [],
    );

    const log = nginx.accessLog();
    expect(log.filter((entry) => entry.status >= 400)).toEqual([]);
    // Every request of a polling session came from its own address and went to the replica that
    // announced itself to it, over several poll cycles.
    for (const client of polling) {
      const requests = log.filter((entry) => entry.uri.includes(`sid=${client.io.engine.id}`));
      const port = cluster.nodes.find((node) => node.name === nodeOf(client))!.port;
      expect(new Set(requests.map((entry) => `${entry.remote} -> ${entry.upstream}`))).toEqual(
        new Set([`${client.address} -> 127.0.0.1:${port}`]),
      );
      expect(requests.length).toBeGreaterThanOrEqual(3);
    }
  });

  test('GET /readyz through nginx answers 200', async () => {
    const res = await fetch(`${nginx.url}/readyz`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
  });

  test('after the upstreams shrink to replica B, a client that hashed to A lands on B', async () => {
    const [a, b] = cluster.nodes;
    let address: string | undefined;
    for (let i = 0; address === undefined && i < 250; i++) {
      const probe = await connectFrom(nginx.url, 'websocket', sourceAddress(i));
      const [session] = await waitForSession(probe);
      if (session!.node === a!.name) address = probe.address;
      probe.close();
    }
    expect(address).toBeDefined();

    await nginx.setUpstreams([b!.port]);
    const client = await connectFrom(nginx.url, 'websocket', address!);
    expect((await waitForSession(client)).map((session) => session.node)).toEqual([b!.name]);
  });
});

import { Cluster } from '../harness/cluster.js';
import {
  type Transport,
  waitForSession,
  closeAllClients,
  connectClient,
  everyoneReceives,
  settle,
} from '../harness/clients.js';
import type { AdapterMode } from '../harness/gateway.js';

const topologies: [AdapterMode, number][] = [
  ['memory', 1],
  ['redis', 2],
  ['redis-sharded', 2],
  ['redis-streams', 2],
];
const transports: Transport[] = ['websocket', 'polling'];

describe.each(topologies)('fan-out with the %s adapter and %i replica(s)', (mode, replicas) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start(mode, replicas);
  });
  afterAll(() => cluster.stop());
  afterEach(closeAllClients);

  test.each(transports)(
    'a message sent through the first replica reaches each client on every replica exactly once, over %s',
    async (transport) => {
      const clients = await Promise.all(
        cluster.nodes.flatMap((node) => [
          connectClient(node.url, { transport }),
          connectClient(node.url, { transport }),
        ]),
      );
      const sender = clients[0]!;
      const text = `hello over ${transport}`;

      const ack = await sender.timeout(5000).emitWithAck('input_event', { text });
      expect(ack).toEqual({ status: 'ok', id: expect.any(String) });
      await settle(sender, clients);

      for (const client of clients) {
        expect(client.received.filter((m) => m.text === text)).toEqual([
          {
            id: (ack as { id: string }).id,
            text,
            sender: sender.id,
            node: 'node-a',
            sentAt: expect.any(Number),
          },
        ]);
      }
    },
  );

  test('every replica names itself as the accepting node and ids never repeat', async () => {
    const senders = await Promise.all(cluster.nodes.map((node) => connectClient(node.url)));
    const acks = [];
    for (const [i, sender] of senders.entries()) {
      for (let n = 0; n < 5; n++)
        acks.push(await sender.timeout(5000).emitWithAck('input_event', `from ${i} #${n}`));
    }
    await everyoneReceives(senders, `from ${senders.length - 1} #4`);

    await Promise.all(senders.map((s) => waitForSession(s)));
    expect(senders.map((s) => s.sessions)).toEqual(
      cluster.nodes.map((node) => [{ node: node.name, recovered: false }]),
    );
    const ids = acks.map((ack) => (ack as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i] of senders.entries()) {
      const fromI = senders[0]!.received.filter((m) => m.text.startsWith(`from ${i} `));
      expect(fromI.map((m) => m.node)).toEqual(Array(5).fill(cluster.nodes[i]!.name));
    }
  });
});

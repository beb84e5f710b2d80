import { Cluster } from '../harness/cluster.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  waitForSession,
} from '../harness/clients.js';
import { eventually } from '../harness/eventually.js';

const CLIENTS = 500;
// The production window, so the spread is measured as shipped; a short delay keeps the test fast.
const DRAIN_DELAY_MS = 1000;
const DRAIN_WINDOW_MS = 10_000;
const BUDGET_MS = DRAIN_DELAY_MS + DRAIN_WINDOW_MS + 5000;

async function connectMany(url: string, failoverTo: string, count: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  // In batches: 500 simultaneous handshakes measure the test's own event loop, not the drain.
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () =>
      connectClient(url, { failoverTo }),
    );
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

describe(`a replica draining ${CLIENTS} clients`, () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('redis-streams', 2, {
      DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS),
    });
  });
  afterAll(async () => {
    closeAllClients();
    await cluster.stop();
  });

  test('refuses new handshakes with 503, spreads the disconnects, recovers every session on the other replica and exits 0 within budget', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const clients = await connectMany(a.url, b.url, CLIENTS);
    const disconnectedAt: number[] = [];
    for (const client of clients) client.once('disconnect', () => disconnectedAt.push(Date.now()));

    const sigtermAt = Date.now();
    a.proc.signal('SIGTERM');
    await eventually(async () => (await a.readiness()).status === 503, 'A unready', 1000, 20);

    // During the delay the replica still serves its sockets but takes no new ones.
    const polling = await fetch(`${a.url}/socket.io/?EIO=4&transport=polling`);
    expect(polling.status).toBe(503);
    expect(polling.headers.get('retry-after')).toBe('1');
    await expect(connectClient(a.url, { timeoutMs: 2000 })).rejects.toThrow();
    const lateComer = await connectClient(b.url);
    expect((await waitForSession(lateComer))[0]!.node).toBe('node-b');

    const exit = await a.proc.exited;
    const exitedAfterMs = Date.now() - sigtermAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeLessThan(BUDGET_MS);

    await Promise.all(clients.map((client) => waitForSession(client, 2, 15_000)));
    const outcomes = clients.map((client) => client.sessions[1]);
    expect(outcomes.filter((s) => s?.node === 'node-b' && s.recovered)).toHaveLength(CLIENTS);

    // No second of the window takes more than 20 % of the disconnects: no reconnect storm.
    const perSecond = new Map<number, number>();
    for (const at of disconnectedAt) {
      const second = Math.floor((at - sigtermAt - DRAIN_DELAY_MS) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const busiest = Math.max(...perSecond.values());
    process.stdout.write(
      `drain of ${CLIENTS}: exit after ${exitedAfterMs} ms, disconnects per second ${JSON.stringify([...perSecond.entries()].sort((x, y) => x[0] - y[0]))}\n`,
    );
    expect(disconnectedAt).toHaveLength(CLIENTS);
    expect(busiest).toBeLessThanOrEqual(CLIENTS * 0.2);
  });
});

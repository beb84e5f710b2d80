import { Redis } from 'ioredis';
import type { PresenceEvent, PresenceMember } from '../../src/events/events.contract.js';
import { Cluster } from '../harness/cluster.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  everyoneReceives,
  waitForPresence,
  waitForSession,
} from '../harness/clients.js';
import { eventually } from '../harness/eventually.js';

const TTL_MS = 6000;

async function join(client: TestClient, room: string, name?: string) {
  if (name) await client.timeout(5000).emitWithAck('set_profile', { name });
  return client.timeout(5000).emitWithAck('join_room', { room });
}

async function membersOf(client: TestClient, room: string): Promise<PresenceMember[]> {
  const ack = await client.timeout(5000).emitWithAck('list_presence', { room });
  if (ack.status !== 'ok') throw new Error(`list_presence: ${ack.code}: ${ack.message}`);
  return ack.members;
}

const ids = (members: PresenceMember[]) => members.map((m) => m.socketId).sort();

/** Resolves once `client` has seen an event of `type` for each socket. */
function seen(client: TestClient, type: PresenceEvent['type'], sockets: TestClient[], ms?: number) {
  const wanted = sockets.map((socket) => socket.id!);
  return waitForPresence(
    client,
    (events) =>
      wanted.every((id) => events.some((e) => e.type === type && e.member.socketId === id)),
    ms,
  );
}

describe.each(['redis', 'redis-streams'] as const)('presence over the %s adapter', (mode) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start(mode, 2, { PRESENCE_TTL_MS: String(TTL_MS) });
  });
  afterAll(() => cluster.stop());
  afterEach(closeAllClients);

  test('both replicas list the same members; joins, renames and leaves reach members on both', async () => {
    const [a, b] = cluster.nodes.map((node) => node.url) as [string, string];
    const [alice, bob, carol] = await Promise.all([
      connectClient(a),
      connectClient(b),
      connectClient(b),
    ]);
    await join(alice, 'team', 'Alice');
    await join(bob, 'team', 'Bob');
    const events = await seen(alice, 'join', [bob]);
    expect(events.find((e) => e.member.socketId === bob.id)).toMatchObject({
      room: 'team',
      member: { socketId: bob.id, name: 'Bob', node: 'node-b' },
    });

    const fromA = await membersOf(alice, 'team');
    expect(fromA).toEqual(await membersOf(bob, 'team'));
    expect(fromA).toEqual([
      { socketId: alice.id, name: 'Alice', node: 'node-a', joinedAt: expect.any(Number) },
      { socketId: bob.id, name: 'Bob', node: 'node-b', joinedAt: expect.any(Number) },
    ]);

    await bob.timeout(5000).emitWithAck('set_profile', { name: 'Robert' });
    await waitForPresence(alice, (events) => events.some((e) => e.type === 'update'));
    expect(alice.presence.find((e) => e.type === 'update')).toMatchObject({
      member: { socketId: bob.id, name: 'Robert', joinedAt: fromA[1]!.joinedAt },
    });

    await bob.timeout(5000).emitWithAck('leave_room', { room: 'team' });
    await seen(alice, 'leave', [bob]);
    await join(carol, 'team');
    await seen(alice, 'join', [carol]);
    const carolId = carol.id!;
    carol.close();
    await waitForPresence(alice, (events) =>
      events.some((e) => e.type === 'leave' && e.member.socketId === carolId),
    );
    expect(ids(await membersOf(alice, 'team'))).toEqual([alice.id]);
  });

  test('only members may list a room, and its name is checked', async () => {
    const [a] = cluster.nodes.map((node) => node.url) as [string];
    const outsider = await connectClient(a);
    expect(
      await outsider.timeout(5000).emitWithAck('list_presence', { room: 'team' }),
    ).toMatchObject({ status: 'error', code: 'forbidden' });
    expect(
      await outsider.timeout(5000).emitWithAck('list_presence', { room: 'no spaces' }),
    ).toMatchObject({ status: 'error', code: 'invalid_payload' });
  });

  // Last in this block: it kills node-a.
  test('a SIGKILLed replica’s members leave every view within PRESENCE_TTL_MS', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const doomed = await Promise.all([connectClient(a.url), connectClient(a.url)]);
    const observer = await connectClient(b.url);
    await join(observer, 'ops');
    await Promise.all(doomed.map((client) => join(client, 'ops')));
    await seen(observer, 'join', doomed);

    const killedAt = Date.now();
    a.proc.signal('SIGKILL');
    await seen(observer, 'leave', doomed, TTL_MS);
    const convergedMs = Date.now() - killedAt;
    expect(ids(await membersOf(observer, 'ops'))).toEqual([observer.id]);
    expect(observer.presence.filter((e) => e.type === 'leave')).toHaveLength(doomed.length);
    process.stdout.write(
      `presence (${mode}): converged ${convergedMs} ms after SIGKILL (TTL ${TTL_MS} ms)\n`,
    );
  });
});

describe('presence across a graceful drain (redis-streams)', () => {
  let cluster: Cluster;
  let redis: Redis;

  beforeAll(async () => {
    cluster = await Cluster.start('redis-streams', 2, {
      DRAIN_DELAY_MS: '0',
      DRAIN_WINDOW_MS: '500',
      PRESENCE_TTL_MS: String(TTL_MS),
    });
    redis = new Redis(cluster.redis!.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await cluster.stop();
  });

  test('recovered members stay without a leave or join; one that never returns leaves after the TTL', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const movers = await Promise.all([
      connectClient(a.url, { failoverTo: b.url }),
      connectClient(a.url, { failoverTo: b.url }),
    ]);
    // Connected without failover: its session is saved but never recovered.
    const gone = await connectClient(a.url);
    const observer = await connectClient(b.url);
    await join(observer, 'standup', 'Observer');
    for (const [i, client] of [...movers, gone].entries()) await join(client, 'standup', `m${i}`);
    await seen(observer, 'join', [...movers, gone]);
    const before = await membersOf(observer, 'standup');
    const seenBefore = observer.presence.length;
    const moverIds = movers.map((client) => client.id!);
    const goneId = gone.id!;

    a.proc.signal('SIGTERM');
    for (const mover of movers) {
      const [, second] = await waitForSession(mover, 2);
      expect(second).toMatchObject({ node: 'node-b', recovered: true });
    }
    expect(moverIds).toEqual(movers.map((client) => client.id));
    await waitForPresence(
      observer,
      (events) => events.some((e) => e.type === 'leave' && e.member.socketId === goneId),
      TTL_MS * 2,
    );
    // Node-a's heartbeat has expired and node-b has reaped what node-a left: from here on no
    // presence event about a mover can come.
    expect(await a.proc.exited).toMatchObject({ code: 0 });
    await eventually(
      async () => (await redis.scard('deliverer:presence:instances')) === 1,
      'node-a reaped',
      TTL_MS * 2,
    );
    await observer.timeout(5000).emitWithAck('input_event', 'fence');
    await everyoneReceives([observer, ...movers], 'fence');

    const since = observer.presence.slice(seenBefore);
    expect(since.map((e) => [e.type, e.member.name])).toEqual([['leave', 'm2']]);
    const after = await membersOf(observer, 'standup');
    expect(after).toEqual(
      before
        .filter((m) => m.socketId !== goneId)
        .map((m) => (moverIds.includes(m.socketId) ? { ...m, node: 'node-b' } : m)),
    );
  });
});

describe('presence on the in-memory adapter (one process)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('memory', 1);
  });
  afterAll(() => cluster.stop());

  test('lists, announces joins and leaves, and drops a member on disconnect', async () => {
    const [url] = cluster.nodes.map((node) => node.url) as [string];
    const [first, second] = await Promise.all([connectClient(url), connectClient(url)]);
    await join(first, 'solo', 'First');
    await join(second, 'solo');
    await seen(first, 'join', [second]);
    expect(ids(await membersOf(second, 'solo'))).toEqual([first.id, second.id].sort());
    const secondId = second.id!;
    second.close();
    await waitForPresence(first, (events) =>
      events.some((e) => e.type === 'leave' && e.member.socketId === secondId),
    );
    expect(await membersOf(first, 'solo')).toEqual([
      { socketId: first.id, name: 'First', node: 'node-a', joinedAt: expect.any(Number) },
    ]);
  });
});

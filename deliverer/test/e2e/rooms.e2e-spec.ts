import { Cluster } from '../harness/cluster.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  everyoneReceives,
  settle,
  waitForBroadcast,
  waitForSession,
} from '../harness/clients.js';

function join(client: TestClient, room: string) {
  return client.timeout(5000).emitWithAck('join_room', { room });
}

function sendTo(client: TestClient, room: string, text: string) {
  return client.timeout(5000).emitWithAck('input_event', { text, room });
}

const texts = (client: TestClient) => client.received.map((m) => m.text);

describe.each(['redis', 'redis-streams'] as const)('rooms over the %s adapter', (mode) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start(mode, 2, { MAX_ROOMS_PER_SOCKET: '2' });
  });
  afterAll(() => cluster.stop());
  afterEach(closeAllClients);

  test('a room message reaches its members on both replicas and nobody else', async () => {
    const [a, b] = cluster.nodes.map((node) => node.url) as [string, string];
    const [memberA, memberB, otherRoom, lobbyOnly] = await Promise.all([
      connectClient(a),
      connectClient(b),
      connectClient(a),
      connectClient(b),
    ]);
    expect(await join(memberA!, 'design')).toEqual({
      status: 'ok',
      room: 'design',
      rooms: ['design'],
    });
    await join(memberB!, 'design');
    await join(otherRoom!, 'sales');

    expect(await sendTo(memberA!, 'design', 'for design only')).toMatchObject({ status: 'ok' });
    await everyoneReceives([memberA!, memberB!], 'for design only');
    // The lobby fence follows the room message on the same path: whoever lacks the room message
    // once the fence is in never gets it.
    await settle(memberA!, [memberA!, memberB!, otherRoom!, lobbyOnly!]);
    expect(texts(otherRoom!)).toEqual(['fence']);
    expect(texts(lobbyOnly!)).toEqual(['fence']);
    expect(memberB!.received.find((m) => m.text === 'for design only')).toMatchObject({
      room: 'design',
    });
  });

  test('joining checks the name and the limit; sending needs membership; leaving stops delivery', async () => {
    const [a, b] = cluster.nodes.map((node) => node.url) as [string, string];
    const client = await connectClient(a);
    const listener = await connectClient(b);
    for (const room of ['', 'has space', 'x'.repeat(65), 'socket:id']) {
      expect(await join(client, room)).toMatchObject({ status: 'error', code: 'invalid_payload' });
    }
    expect(await sendTo(client, 'ops', 'not a member')).toMatchObject({
      status: 'error',
      code: 'forbidden',
    });
    await join(client, 'ops');
    await join(client, 'dev');
    expect(await join(client, 'ops')).toMatchObject({ status: 'ok', rooms: ['dev', 'ops'] });
    expect(await join(client, 'third')).toMatchObject({ status: 'error', code: 'too_many_rooms' });

    await join(listener, 'ops');
    await sendTo(client, 'ops', 'before leaving');
    await waitForBroadcast(listener, (got) => got.some((m) => m.text === 'before leaving'));
    expect(await listener.timeout(5000).emitWithAck('leave_room', { room: 'ops' })).toEqual({
      status: 'ok',
      room: 'ops',
      rooms: [],
    });
    await sendTo(client, 'ops', 'after leaving');
    await settle(client, [client, listener]);
    expect(texts(listener)).toEqual(['before leaving', 'fence']);
  });
});

describe('room membership across a drain (redis-streams)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('redis-streams', 2, {
      DRAIN_DELAY_MS: '0',
      DRAIN_WINDOW_MS: '500',
    });
  });
  afterAll(() => cluster.stop());

  test('survives session recovery on another replica', async () => {
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const moving = await connectClient(a.url, { failoverTo: b.url });
    const speaker = await connectClient(b.url);
    await join(moving, 'standup');
    await join(speaker, 'standup');

    a.proc.signal('SIGTERM');
    const [, recovered] = await waitForSession(moving, 2);
    expect(recovered).toMatchObject({ node: 'node-b', recovered: true });
    await sendTo(speaker, 'standup', 'still in the room');
    await waitForBroadcast(moving, (got) => got.some((m) => m.text === 'still in the room'));
    expect(await moving.timeout(5000).emitWithAck('join_room', { room: 'standup' })).toMatchObject({
      rooms: ['standup'],
    });
  });
});

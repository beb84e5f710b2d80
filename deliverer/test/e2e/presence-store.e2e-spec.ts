import { Redis } from 'ioredis';
import type { PresenceEntry } from '../../src/presence/presence.store.js';
import { RedisPresenceStore } from '../../src/presence/redis-presence.store.js';
import { RedisServer } from '../harness/redis-server.js';

const PREFIX = 'test';
const NOW = 1_700_000_000_000;

function entry(socketId: string, instance: string, extra: Partial<PresenceEntry> = {}) {
  return { socketId, node: instance.split(':')[0]!, joinedAt: NOW, instance, ...extra };
}

/** A replica's view of the store; `die()` is what a SIGKILL leaves: a heartbeat that lapses. */
function replica(redis: Redis, instance: string) {
  const store = new RedisPresenceStore(redis, PREFIX, 60_000);
  return {
    store,
    instance,
    die: () => redis.del(`${PREFIX}:presence:alive:${instance}`),
  };
}

describe('the Redis presence store, on a real redis-server', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.dispose();
  });
  beforeEach(() => redis.flushall());

  test('a second put keeps the first joinedAt and reports it was not new', async () => {
    const a = replica(redis, 'a:1');
    await a.store.heartbeat(a.instance);
    expect(await a.store.put('r', entry('s1', a.instance, { name: 'Ann' }))).toEqual({
      created: true,
      member: { socketId: 's1', name: 'Ann', node: 'a', joinedAt: NOW },
    });
    const again = await a.store.put(
      'r',
      entry('s1', a.instance, { joinedAt: NOW + 5, name: 'Bo' }),
    );
    expect(again).toEqual({
      created: false,
      member: { socketId: 's1', name: 'Bo', node: 'a', joinedAt: NOW },
    });
  });

  test('the first heartbeat registers the instance; later ones keep it', async () => {
    const a = replica(redis, 'a:1');
    expect(await a.store.heartbeat(a.instance)).toBe(false);
    expect(await a.store.heartbeat(a.instance)).toBe(true);
    await a.die();
    // Forgotten, e.g. a stall past the TTL or a Redis restart: the caller re-announces.
    expect(await a.store.heartbeat(a.instance)).toBe(false);
  });

  test('a dead instance’s entries are reaped once, by one survivor, except recovered ones', async () => {
    const [a, b, c] = [replica(redis, 'a:1'), replica(redis, 'b:1'), replica(redis, 'c:1')];
    for (const r of [a, b, c]) await r.store.heartbeat(r.instance);
    await a.store.put('r', entry('s1', a.instance));
    await a.store.put('r', entry('s2', a.instance));
    await a.store.put('q', entry('s1', a.instance));
    // s2's session was recovered on b before a's death was noticed.
    await b.store.put('r', entry('s2', b.instance));
    await a.die();

    const [fromB, fromC] = await Promise.all([
      b.store.reap(b.instance, NOW),
      c.store.reap(c.instance, NOW),
    ]);
    const reaped = [...fromB, ...fromC].map((d) => `${d.room}/${d.member.socketId}`).sort();
    expect(reaped).toEqual(['q/s1', 'r/s1']);
    expect((await b.store.list('r', NOW)).map((m) => [m.socketId, m.node])).toEqual([['s2', 'b']]);
    expect(await redis.smembers(`${PREFIX}:presence:instances`)).not.toContain(a.instance);
    expect(await redis.exists(`${PREFIX}:presence:index:${a.instance}`)).toBe(0);
  });

  test('a detached entry is listed until its deadline, then expires once; re-put cancels it', async () => {
    const [a, b] = [replica(redis, 'a:1'), replica(redis, 'b:1')];
    for (const r of [a, b]) await r.store.heartbeat(r.instance);
    await a.store.put('r', entry('stays', a.instance));
    await a.store.put('r', entry('goes', a.instance));
    await a.store.detach('r', 'stays', a.instance, NOW + 100);
    await a.store.detach('r', 'goes', a.instance, NOW + 100);
    // A dead owner does not shorten the grace: detached members wait for their deadline.
    await a.die();
    expect(await b.store.reap(b.instance, NOW)).toEqual([]);
    expect((await b.store.list('r', NOW)).map((m) => m.socketId).sort()).toEqual(['goes', 'stays']);

    await b.store.put('r', entry('stays', b.instance));
    const expired = await Promise.all([
      b.store.reap(b.instance, NOW + 100),
      b.store.reap(b.instance, NOW + 100),
    ]);
    expect(expired.flat().map((d) => d.member.socketId)).toEqual(['goes']);
    expect((await b.store.list('r', NOW + 100)).map((m) => [m.socketId, m.node])).toEqual([
      ['stays', 'b'],
    ]);
  });

  test('removal by an owner that no longer serves the member changes nothing', async () => {
    const [a, b] = [replica(redis, 'a:1'), replica(redis, 'b:1')];
    for (const r of [a, b]) await r.store.heartbeat(r.instance);
    await a.store.put('r', entry('s1', a.instance));
    await b.store.put('r', entry('s1', b.instance));
    // a notices the old connection's close only after the session moved to b.
    expect(await a.store.remove('r', 's1', a.instance)).toBeUndefined();
    await a.store.detach('r', 's1', a.instance, NOW);
    expect(await b.store.reap(b.instance, NOW + 1)).toEqual([]);
    expect(await b.store.remove('r', 's1', b.instance)).toMatchObject({ socketId: 's1' });
    expect(await b.store.list('r', NOW)).toEqual([]);
    expect(await redis.scard(`${PREFIX}:presence:index:${b.instance}`)).toBe(0);
  });
});

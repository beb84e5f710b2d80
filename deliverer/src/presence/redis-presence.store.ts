import type { Redis } from 'ioredis';
import type { PresenceMember } from '../events/events.contract.js';
import {
  type Departure,
  type PresenceEntry,
  type PresenceStore,
  memberOf,
} from './presence.store.js';
import { DETACH, EXPIRE, PUT, REAP, REMOVE } from './presence.scripts.js';

type Script = (keys: string[], args: (string | number)[]) => Promise<unknown>;

// Expired detachments handled per sweep; the rest wait for the next one.
const EXPIRE_BATCH = 1000;

/**
 * Presence of the whole cluster in Redis.
 *
 * - `<p>:presence:room:<room>`: hash of socket id → entry JSON.
 * - `<p>:presence:alive:<instance>`: a heartbeat key with a TTL; gone means the instance died.
 * - `<p>:presence:instances`: every instance that may have left entries behind.
 * - `<p>:presence:index:<instance>`: the `room socketId` pairs an instance serves, to reap them.
 * - `<p>:presence:detached`: `room socketId` → deadline of entries whose session may be recovered.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly scripts: Record<'put' | 'remove' | 'detach' | 'reap' | 'expire', Script>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** How long a heartbeat keeps an instance alive. */
    private readonly aliveMs: number,
  ) {
    const define = (lua: string, keys: number): Script => {
      const name = `delivererPresence${keys}${lua.length}`;
      if (!(name in redis)) redis.defineCommand(name, { lua, numberOfKeys: keys });
      const command = (
        redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
      )[name]!.bind(redis);
      return (keys, args) => command(...keys, ...args);
    };
    this.scripts = {
      put: define(PUT, 3),
      remove: define(REMOVE, 2),
      detach: define(DETACH, 2),
      reap: define(REAP, 2),
      expire: define(EXPIRE, 2),
    };
  }

  async put(room: string, entry: PresenceEntry) {
    const { joinedAt, ...rest } = entry;
    const [created, stored] = (await this.scripts.put(
      [this.roomKey(room), this.indexKey(entry.instance), this.detachedKey],
      [entry.socketId, JSON.stringify(rest), joinedAt, pair(room, entry.socketId)],
    )) as [number, string];
    return { created: created === 1, member: memberOf(JSON.parse(stored) as PresenceEntry) };
  }

  async remove(room: string, socketId: string, owner?: string) {
    const old = (await this.scripts.remove(
      [this.roomKey(room), this.detachedKey],
      [socketId, owner ?? '', pair(room, socketId), this.indexKey('')],
    )) as string | null;
    return old === null ? undefined : memberOf(JSON.parse(old) as PresenceEntry);
  }

  async detach(room: string, socketId: string, owner: string, until: number) {
    await this.scripts.detach(
      [this.roomKey(room), this.detachedKey],
      [socketId, owner, pair(room, socketId), until],
    );
  }

  async list(room: string, now: number): Promise<PresenceMember[]> {
    const raw = await this.redis.hgetall(this.roomKey(room));
    const entries = Object.values(raw).map((json) => JSON.parse(json) as PresenceEntry);
    if (entries.length === 0) return [];
    const instances = [...new Set(entries.map((entry) => entry.instance))];
    const [alive, deadlines] = await Promise.all([
      this.redis.mget(instances.map((instance) => this.aliveKey(instance))),
      this.redis.zmscore(this.detachedKey, ...entries.map((entry) => pair(room, entry.socketId))),
    ]);
    const live = new Set(instances.filter((_, i) => alive[i] !== null));
    return entries
      .filter((entry, i) =>
        deadlines[i] === null ? live.has(entry.instance) : Number(deadlines[i]) > now,
      )
      .map(memberOf);
  }

  async heartbeat(instance: string): Promise<boolean> {
    const key = this.aliveKey(instance);
    if ((await this.redis.set(key, '1', 'PX', this.aliveMs, 'XX')) === 'OK') return true;
    await this.redis
      .multi()
      .set(key, '1', 'PX', this.aliveMs)
      .sadd(this.instancesKey, instance)
      .exec();
    return false;
  }

  async reap(self: string, now: number): Promise<Departure[]> {
    const [fromDead, expired] = await Promise.all([this.reapDead(self), this.expireDetached(now)]);
    return [...fromDead, ...expired];
  }

  private async reapDead(self: string): Promise<Departure[]> {
    const instances = (await this.redis.smembers(this.instancesKey)).filter((i) => i !== self);
    if (instances.length === 0) return [];
    const alive = await this.redis.mget(instances.map((instance) => this.aliveKey(instance)));
    const dead = instances.filter((_, i) => alive[i] === null);
    const gone = await Promise.all(dead.map((instance) => this.reapInstance(instance, self)));
    return gone.flat();
  }

  private async reapInstance(instance: string, self: string): Promise<Departure[]> {
    // One replica reaps a given crash; the scripts would keep a second from announcing twice,
    // but not from doing the work twice.
    const claim = await this.redis.set(
      `${this.prefix}:presence:reaping:${instance}`,
      self,
      'PX',
      this.aliveMs,
      'NX',
    );
    if (claim !== 'OK') return [];
    const pairs = await this.redis.smembers(this.indexKey(instance));
    const gone = await this.eachPair(pairs, (room, socketId, member) =>
      this.scripts.reap(
        [this.roomKey(room), this.detachedKey],
        [socketId, instance, member, this.indexKey('')],
      ),
    );
    await this.redis.multi().del(this.indexKey(instance)).srem(this.instancesKey, instance).exec();
    return gone;
  }

  private async expireDetached(now: number): Promise<Departure[]> {
    const pairs = await this.redis.zrangebyscore(
      this.detachedKey,
      '-inf',
      now,
      'LIMIT',
      0,
      EXPIRE_BATCH,
    );
    return this.eachPair(pairs, (room, socketId, member) =>
      this.scripts.expire(
        [this.roomKey(room), this.detachedKey],
        [socketId, member, now, this.indexKey('')],
      ),
    );
  }

  /** Runs a script per `room socketId` pair; those that return an entry have departed. */
  private async eachPair(
    pairs: string[],
    run: (room: string, socketId: string, member: string) => Promise<unknown>,
  ): Promise<Departure[]> {
    const results = await Promise.all(
      pairs.map(async (member) => {
        const [room, socketId] = member.split(' ') as [string, string];
        const old = (await run(room, socketId, member)) as string | null;
        return old === null ? [] : [{ room, member: memberOf(JSON.parse(old) as PresenceEntry) }];
      }),
    );
    return results.flat();
  }

  private roomKey(room: string) {
    return `${this.prefix}:presence:room:${room}`;
  }

  private aliveKey(instance: string) {
    return `${this.prefix}:presence:alive:${instance}`;
  }

  private indexKey(instance: string) {
    return `${this.prefix}:presence:index:${instance}`;
  }

  private get instancesKey() {
    return `${this.prefix}:presence:instances`;
  }

  private get detachedKey() {
    return `${this.prefix}:presence:detached`;
  }
}

/** Room names and socket ids contain no space. */
function pair(room: string, socketId: string): string {
  return `${room} ${socketId}`;
}

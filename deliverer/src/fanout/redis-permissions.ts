import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { AdapterKind, RedisConfig } from '../config/app.config.js';
import type { FanoutStatus } from './fanout.status.js';
import { withDeadline } from './redis-clients.js';

// While a permission is missing the replica is out of service, so a grant should count quickly.
const RECHECK_DENIED_MS = 1000;
// Often enough to notice a permission revoked at runtime, rarely enough to cost nothing.
const RECHECK_GRANTED_MS = 30_000;
const CHECK_DEADLINE_MS = 5000;
// No socket id, session id or clientMsgId (a UUID) can take this value.
const PROBE_ID = 'permcheck';

interface Probe {
  /** The command and key or channel, as the log line names them. */
  what: string;
  run: () => Promise<unknown>;
}

/**
 * Probes, on the adapter's own connections, the commands the configured adapter sends. A Redis
 * user lacking one is reported in one log line and keeps the replica unready but serving, where
 * it would otherwise crash-loop (streams) or lose cross-replica messages silently (pub/sub). The
 * check repeats, so granting the permission is enough.
 */
export class RedisPermissions {
  private readonly logger = new Logger('RedisPermissions');
  private readonly user: string;
  private readonly probes: Probe[];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private denied?: string;
  private finish?: () => Promise<void>;

  constructor(
    redis: RedisConfig,
    adapter: AdapterKind,
    private readonly clients: readonly Redis[],
    private readonly status: FanoutStatus,
  ) {
    this.user = decodeURIComponent(redis.url.username) || 'default';
    this.probes = probesFor(redis, adapter, clients);
  }

  /**
   * Checks now, then periodically until stop(). Resolves false when a permission is missing; the
   * first later check that finds everything granted runs `finish` before reporting ready.
   */
  async start(finish: () => Promise<void>): Promise<boolean> {
    await this.check();
    if (this.denied) this.finish = finish;
    this.schedule();
    return this.denied === undefined;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.denied ? RECHECK_DENIED_MS : RECHECK_GRANTED_MS;
    this.timer = setTimeout(() => void this.check().finally(() => this.schedule()), delay).unref();
  }

  private async check(): Promise<void> {
    const refusals = await this.refusals();
    if (refusals === undefined) return;
    const problem =
      refusals.length === 0
        ? undefined
        : `Redis user "${this.user}" lacks permission: ${refusals.join(', ')}; see README "Security" for the ACL`;
    if (problem === this.denied) return;
    if (problem) {
      this.logger.error({ user: this.user }, problem);
    } else {
      try {
        await this.finish?.();
      } catch (err) {
        // Stays unready; the next check tries again.
        this.logger.error(
          { reason: (err as Error).message },
          'Redis permissions granted, but fan-out did not start',
        );
        return;
      }
      this.finish = undefined;
      this.logger.log({ user: this.user }, 'Redis permissions granted');
    }
    this.denied = problem;
    this.status.reportDenied(problem);
  }

  /** What Redis refused; undefined when it could not tell (offline, slow), which the monitor reports. */
  private async refusals(): Promise<string[] | undefined> {
    // Offline, ioredis would only queue the probes until Redis returns.
    if (this.clients.some((client) => client.status !== 'ready')) return undefined;
    const results = this.probes.map((probe) =>
      probe.run().then(
        () => undefined,
        (err: unknown) => {
          const refusal = noPermission(err);
          return refusal && `${refusal} (${probe.what})`;
        },
      ),
    );
    try {
      const refused = await withDeadline(
        Promise.all(results),
        CHECK_DEADLINE_MS,
        'permission check',
      );
      return refused.filter((refusal) => refusal !== undefined);
    } catch {
      return undefined;
    }
  }
}

/** Redis' NOPERM message, also when it came back inside a discarded MULTI. */
function noPermission(err: unknown): string | undefined {
  const { message, previousErrors = [] } = err as { message?: string; previousErrors?: Error[] };
  return [message, ...previousErrors.map((e) => e.message)].find((m) => m?.startsWith('NOPERM'));
}

/**
 * Probes that change nothing: Redis checks the ACL before the arguments, so a write with an
 * argument it always refuses (stream ID 0-0, expiry 0) is a permitted no-op; messages go to a room
 * no socket is in; subscriptions repeat the adapter's own, which for Redis is a no-op and, after a
 * grant, establishes a subscription refused at boot. The gateway has only the namespace "/".
 */
function probesFor(
  { keyPrefix: p, sharded }: RedisConfig,
  adapter: AdapterKind,
  [command, subscriber]: readonly Redis[],
): Probe[] {
  const name = command.options.connectionName;
  const probes: Probe[] = [
    { what: 'PING', run: () => command.ping() },
    // ioredis' ready check on every connect; refused, ioredis warns and skips it.
    { what: 'INFO', run: () => command.info('server') },
    ...(name ? [{ what: 'CLIENT SETNAME', run: () => command.client('SETNAME', name) }] : []),
    {
      what: `SET ${p}:send:*`,
      run: () => command.call('SET', `${p}:send:${PROBE_ID}`, '', 'PX', 0, 'NX', 'GET'),
    },
    ...presenceProbes(command, `${p}:presence:${PROBE_ID}`),
    {
      what: `TIME, MULTI HMGET HSET PEXPIRE DEL EXEC ${p}:api:*`,
      run: () => {
        const bucket = `${p}:api:${PROBE_ID}`;
        return Promise.all([
          command.time(),
          command
            .multi()
            .hmget(bucket, 'tokens')
            .hset(bucket, 'tokens', '')
            .pexpire(bucket, 1)
            .del(bucket)
            .exec(),
        ]);
      },
    },
  ];
  if (adapter === 'redis-streams') {
    const stream = `${p}:stream`;
    const session = `${p}:session:${PROBE_ID}`;
    // No SUBSCRIBE probe: the library's subscriber is out of reach, and it serves only socket.io
    // features the gateway does not use.
    probes.push(
      { what: `XADD ${stream}`, run: () => command.call('XADD', stream, '0-0', PROBE_ID, '') },
      {
        what: `XREAD ${stream}`,
        run: () => command.call('XREAD', 'COUNT', 1, 'STREAMS', stream, '$'),
      },
      { what: `XRANGE ${stream}`, run: () => command.xrange(stream, '+', '-') },
      { what: `SET ${p}:session:*`, run: () => command.call('SET', session, '', 'PX', 0) },
      {
        what: `MULTI GET DEL EXEC ${p}:session:*`,
        run: () => command.multi().get(session).del(session).exec(),
      },
    );
  } else if (sharded) {
    probes.push(
      { what: `SPUBLISH ${p}#/#*`, run: () => command.spublish(`${p}#/#${PROBE_ID}#`, '') },
      { what: `SSUBSCRIBE ${p}#/#`, run: () => subscriber.ssubscribe(`${p}#/#`) },
    );
  } else {
    probes.push(
      { what: `PUBLISH ${p}#/#*`, run: () => command.publish(`${p}#/#${PROBE_ID}#`, '') },
      { what: `PSUBSCRIBE ${p}#/#*`, run: () => subscriber.psubscribe(`${p}#/#*`) },
      {
        what: `SUBSCRIBE ${p}-request#/# ${p}-response#/#`,
        run: () => subscriber.subscribe(`${p}-request#/#`, `${p}-response#/#`),
      },
    );
  }
  return probes;
}

/**
 * Presence (every Redis mode): the reads, a MULTI of writes that undo each other, and the scripts,
 * whose inner commands the MULTI covers. An unknown script hash is refused only after the ACL.
 */
function presenceProbes(command: Redis, key: string): Probe[] {
  return [
    {
      what: `HGETALL MGET SMEMBERS ZMSCORE ZRANGEBYSCORE ${key}`,
      run: () =>
        Promise.all([
          command.hgetall(key),
          command.mget(key),
          command.smembers(key),
          command.zmscore(key, PROBE_ID),
          command.zrangebyscore(key, 0, 0),
        ]),
    },
    {
      what: `MULTI HSET HGET HDEL SADD SREM ZADD ZSCORE ZREM DEL SET EXEC ${key}`,
      run: () =>
        command
          .multi()
          .hset(key, PROBE_ID, '')
          .hget(key, PROBE_ID)
          .hdel(key, PROBE_ID)
          .sadd(`${key}:set`, PROBE_ID)
          .srem(`${key}:set`, PROBE_ID)
          .zadd(`${key}:zset`, 0, PROBE_ID)
          .zscore(`${key}:zset`, PROBE_ID)
          .zrem(`${key}:zset`, PROBE_ID)
          .del(key)
          .set(key, '', 'PX', 1, 'XX')
          .exec(),
    },
    { what: 'EVAL', run: () => command.eval('return 0', 0) },
    {
      what: 'EVALSHA',
      run: () =>
        command.evalsha('0000000000000000000000000000000000000000', 0).catch((err: Error) => {
          if (!err.message.startsWith('NOSCRIPT')) throw err;
        }),
    },
  ];
}

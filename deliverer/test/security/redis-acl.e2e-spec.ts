import { Redis } from 'ioredis';
import {
  closeAllClients,
  connectClient,
  everyoneReceives,
  waitForSession,
} from '../harness/clients.js';
import { eventually } from '../harness/eventually.js';
import { type AdapterMode, Gateway, spawnGateway } from '../harness/gateway.js';
import { freePort } from '../harness/ports.js';
import { type ManagedProcess, stopAll } from '../harness/processes.js';
import { RedisServer } from '../harness/redis-server.js';

type RedisMode = Exclude<AdapterMode, 'memory'>;

// Presence, the publish API's rate buckets, and their scripts, in every mode.
const PRESENCE =
  '+time +hmget +pexpire +evalsha +eval +hget +hset +hdel +hgetall +mget +sadd +srem +smembers +zadd +zrem +zscore +zmscore +zrangebyscore +del +multi +exec ';
/** The least each adapter needs on the default prefix; the README documents the same lines. */
const ACL: Record<RedisMode, string> = {
  redis:
    '+ping +info +client|setname +publish +subscribe +psubscribe +unsubscribe +punsubscribe +set ' +
    PRESENCE +
    '~deliverer:send:* ~deliverer:presence:* ~deliverer:api:* &deliverer#/#* &deliverer-request#/# &deliverer-response#/#*',
  'redis-sharded':
    '+ping +info +client|setname +spublish +ssubscribe +sunsubscribe +set ' +
    PRESENCE +
    '~deliverer:send:* ~deliverer:presence:* ~deliverer:api:* &deliverer#/#*',
  'redis-streams':
    '+ping +info +client|setname +xadd +xread +xrange +set +get +subscribe ' +
    PRESENCE +
    '~deliverer:stream ~deliverer:session:* ~deliverer:send:* ~deliverer:presence:* ~deliverer:api:* &deliverer#/#*',
};
const PASSWORD = 'gateway-secret';
const API_KEY = 'acl-test-api-key-0123456789';
// Failed boots wait this long for Redis; short keeps the suite fast.
const CONNECT_TIMEOUT_MS = '500';

function setUser(admin: Redis, user: string, rules: string): Promise<unknown> {
  return admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${PASSWORD}`, ...rules.split(' '));
}

/** ACL LOG entries as "user: reason object", readable in a failed expectation. */
async function refusals(admin: Redis): Promise<string[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries.map((flat) => {
    const entry = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) entry.set(flat[i], flat[i + 1]);
    return `${entry.get('username')}: ${entry.get('reason')} ${entry.get('object')}`;
  });
}

function logLines(proc: ManagedProcess, pattern: RegExp): string[] {
  return proc.stdout.filter((line) => pattern.test(line));
}

async function bootFailure(env: Record<string, string>) {
  const proc = spawnGateway('bad-redis', {
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    REDIS_CONNECT_TIMEOUT_MS: CONNECT_TIMEOUT_MS,
    ...env,
  });
  return { exit: await proc.exited, stderr: proc.stderr };
}

function startPair(mode: RedisMode, redisUrl: string, env?: Record<string, string>) {
  return Promise.all(
    ['node-a', 'node-b'].map((name) => Gateway.start({ name, mode, redisUrl, env })),
  );
}

describe.each(Object.keys(ACL) as RedisMode[])(
  'the %s adapter as a Redis user with the documented ACL',
  (mode) => {
    let redis: RedisServer;
    let admin: Redis;
    let nodes: Gateway[];

    beforeAll(async () => {
      redis = await RedisServer.start();
      admin = new Redis(redis.url);
      await setUser(admin, 'deliverer', ACL[mode]);
      nodes = await startPair(mode, redis.urlFor('deliverer', PASSWORD), { API_KEYS: API_KEY });
    });
    afterAll(async () => {
      closeAllClients();
      await stopAll();
      admin.disconnect();
      await redis.dispose();
    });

    test('messages cross replicas, sessions recover, and Redis refuses nothing', async () => {
      const [a, b] = nodes as [Gateway, Gateway];
      const sender = await connectClient(a.url);
      const receiver = await connectClient(b.url);
      // A clientMsgId takes the send-dedupe path (SET … NX GET) too.
      const clientMsgId = 'c0ffee00-1234-4abc-9def-000000000001';
      await sender.timeout(5000).emitWithAck('input_event', { text: 'across', clientMsgId });
      await everyoneReceives([sender, receiver], 'across');
      // The publish API: its rate bucket script and its idempotency key.
      const published = await fetch(`${a.url}/api/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'from the API', idempotencyKey: 'acl-check' }),
      });
      expect(published.status).toBe(202);
      await everyoneReceives([sender, receiver], 'from the API');
      expect((await b.readiness()).status).toBe(200);
      // Presence runs its scripts on join, list and leave.
      for (const client of [sender, receiver]) {
        await client.timeout(5000).emitWithAck('join_room', { room: 'acl' });
      }
      expect(
        await receiver.timeout(5000).emitWithAck('list_presence', { room: 'acl' }),
      ).toMatchObject({ status: 'ok', members: [{ node: 'node-a' }, { node: 'node-b' }] });
      await sender.timeout(5000).emitWithAck('leave_room', { room: 'acl' });

      if (mode === 'redis-streams') {
        const mover = await connectClient(a.url, { failoverTo: b.url });
        await waitForSession(mover);
        // Handed over, its presence is detached, then taken over on node-b.
        await mover.timeout(5000).emitWithAck('join_room', { room: 'acl' });
        await a.stop();
        expect((await waitForSession(mover, 2))[1]).toEqual({ node: 'node-b', recovered: true });
      }
      // A shutdown sends commands of its own (UNSUBSCRIBE, QUIT) that the ACL must allow too.
      closeAllClients();
      await Promise.all(nodes.map((node) => node.stop()));

      expect(await refusals(admin)).toEqual([]);
      for (const node of nodes) expect(logLines(node.proc, /NOPERM|lacks permission/)).toEqual([]);
    });
  },
);

describe('a Redis user that cannot do its job', () => {
  let redis: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    closeAllClients();
    await stopAll();
    admin.disconnect();
    await redis.dispose();
  });

  test.each([
    ['redis-streams', 'xadd', 'XADD deliverer:stream'],
    ['redis', 'publish', 'PUBLISH deliverer#/#*'],
  ] as [RedisMode, string, string][])(
    '%s without +%s: serves unready with one clear line until the permission is granted',
    async (mode, command, probe) => {
      const user = `no-${command}`;
      await setUser(admin, user, ACL[mode].replace(`+${command} `, ''));
      const gateway = await Gateway.start({
        name: user,
        mode,
        redisUrl: redis.urlFor(user, PASSWORD),
      });

      const problem = `Redis user "${user}" lacks permission: NOPERM this user has no permissions to run the '${command}' command (${probe}); see README "Security" for the ACL`;
      expect(await gateway.readiness()).toEqual({
        status: 503,
        body: expect.objectContaining({
          error: { fanout: expect.objectContaining({ status: 'down', reason: problem }) },
        }),
      });
      const lines = logLines(gateway.proc, /lacks permission/).map((line) => JSON.parse(line));
      expect(lines).toEqual([expect.objectContaining({ level: 50, msg: problem })]);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      expect(gateway.alive).toBe(true);

      await admin.call('ACL', 'SETUSER', user, `+${command}`);
      await eventually(
        async () => (await gateway.readiness()).status === 200,
        `${user} turns ready once granted`,
        5000,
      );
      // Own broadcasts reach a streams replica only through its stream reader.
      const client = await connectClient(gateway.url);
      await client.timeout(5000).emitWithAck('input_event', 'granted');
      await everyoneReceives([client], 'granted');
      expect(logLines(gateway.proc, /lacks permission/)).toHaveLength(1);
      expect(logLines(gateway.proc, /unhandled promise rejection/)).toEqual([]);
      await gateway.stop();
    },
  );

  test('a wrong password stops the boot with one line naming REDIS_URL, without the password', async () => {
    await setUser(admin, 'deliverer', ACL.redis);
    const { exit, stderr } = await bootFailure({
      REDIS_URL: redis.urlFor('deliverer', 'not-the-password'),
    });
    expect(exit.code).toBe(1);
    expect(stderr).toEqual([
      `deliverer: REDIS_URL: cannot reach Redis at redis://deliverer:***@127.0.0.1:${redis.port} within ${CONNECT_TIMEOUT_MS} ms (WRONGPASS invalid username-password pair or user is disabled.)`,
    ]);
  });
});

describe('Redis over TLS only', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start({ tls: true });
  });
  afterAll(async () => {
    closeAllClients();
    await stopAll();
    await redis.dispose();
  });

  test('replicas on rediss:// that trust the CA through NODE_EXTRA_CA_CERTS deliver across', async () => {
    const [a, b] = await startPair('redis-streams', redis.url, {
      NODE_EXTRA_CA_CERTS: redis.caFile,
    });
    const sender = await connectClient(a!.url);
    const receiver = await connectClient(b!.url);
    await sender.timeout(5000).emitWithAck('input_event', 'encrypted');
    await everyoneReceives([sender, receiver], 'encrypted');
  });

  test.each([
    // Which of these depends on when the server drops the plaintext.
    [
      'redis://, not rediss://',
      'redis:',
      /\(((read|write) (ECONNRESET|EPIPE)|Connection is closed\.)\)$/,
    ],
    ['rediss:// without the CA', 'rediss:', /\(unable to verify the first certificate\)$/],
  ])('%s fails the boot with one line naming REDIS_URL', async (_, protocol, reason) => {
    const url = redis.url.replace('rediss:', protocol);
    const { exit, stderr } = await bootFailure({ REDIS_URL: url });
    expect(exit.code).toBe(1);
    expect(stderr).toEqual([
      expect.stringContaining(`deliverer: REDIS_URL: cannot reach Redis at ${url} within`),
    ]);
    expect(stderr[0]).toMatch(reason);
  });
});

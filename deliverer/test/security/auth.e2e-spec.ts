import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair } from 'jose';
import { Cluster } from '../harness/cluster.js';
import {
  closeAllClients,
  connectClient,
  everyoneReceives,
  waitForSession,
} from '../harness/clients.js';
import { Gateway } from '../harness/gateway.js';
import { tryHandshake } from '../harness/handshakes.js';
import { stopAll } from '../harness/processes.js';
import { TEST_JWT_SECRET, signToken } from '../harness/tokens.js';
import { nextEvent } from '../harness/untyped.js';

const AUTH = { AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_AUDIENCE: 'deliverer' };

const unauthorized = (message: string) => ({
  message: 'unauthorized',
  data: { code: 'unauthorized', message },
});

describe('handshake authentication with an HS256 secret', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await Gateway.start({ name: 'auth', env: AUTH });
  });
  afterAll(async () => {
    closeAllClients();
    await gateway.stop();
    await stopAll();
  });
  afterEach(closeAllClients);

  test.each<[string, () => Promise<string | undefined>, string]>([
    ['no token', async () => undefined, 'a token is required (auth.token)'],
    [
      'a bad signature',
      async () =>
        signToken(
          { sub: 'mallory', audience: 'deliverer' },
          new TextEncoder().encode('another-secret-of-at-least-32-bytes!!'),
        ),
      'the token is not valid',
    ],
    [
      'an expired token',
      () => signToken({ sub: 'ada', audience: 'deliverer', expiresIn: -60 }),
      'the token has expired',
    ],
    [
      'another audience',
      () => signToken({ sub: 'ada', audience: 'other-app' }),
      `the token's aud claim is not accepted`,
    ],
    ['garbage', async () => 'not.a.jwt', 'the token is not valid'],
  ])('%s gets connect_error unauthorized', async (_name, token, message) => {
    await expect(tryHandshake(gateway.url, { token: await token() })).resolves.toEqual(
      unauthorized(message),
    );
    await gateway.proc.waitForLine(/"msg":"handshake unauthorized"/);
  });

  test("the token's sub and name are the sender; the client cannot rename itself", async () => {
    const ada = await connectClient(gateway.url, {
      token: await signToken({ sub: 'user-1', name: 'Ada', audience: 'deliverer' }),
    });
    expect(await waitForSession(ada)).toEqual([
      { node: 'auth', recovered: false, name: 'Ada', userId: 'user-1' },
    ]);
    await expect(ada.timeout(5000).emitWithAck('set_profile', { name: 'Grace' })).resolves.toEqual({
      status: 'error',
      code: 'forbidden',
      message: 'the display name comes from your token',
    });
    await ada.timeout(5000).emitWithAck('input_event', 'signed');
    const [[message]] = await everyoneReceives([ada], 'signed');
    expect(message).toMatchObject({ text: 'signed', sender: 'user-1', senderName: 'Ada' });
  });

  test('a token that expires while connected ends the connection with token_expired', async () => {
    const token = await signToken({ sub: 'user-2', audience: 'deliverer', expiresIn: 2 });
    const client = await connectClient(gateway.url, { token });
    const expired = nextEvent(client, 'error_event');
    const disconnected = nextEvent<string>(client, 'disconnect');
    await expect(expired).resolves.toEqual({
      status: 'error',
      code: 'token_expired',
      message: 'the token has expired; connect again with a new one',
    });
    await expect(disconnected).resolves.toBe('io server disconnect');
  });

  test('refresh_token extends the connection to the new expiry, for the same user only', async () => {
    const client = await connectClient(gateway.url, {
      token: await signToken({ sub: 'user-3', audience: 'deliverer', expiresIn: 2 }),
    });
    const stranger = await signToken({ sub: 'user-4', audience: 'deliverer' });
    await expect(
      client.timeout(5000).emitWithAck('refresh_token', { token: stranger }),
    ).resolves.toEqual({
      status: 'error',
      code: 'forbidden',
      message: 'the new token is for another user',
    });

    const fresh = await signToken({ sub: 'user-3', audience: 'deliverer', expiresIn: 4 });
    const ack = await client.timeout(5000).emitWithAck('refresh_token', { token: fresh });
    expect(ack).toEqual({ status: 'ok', expiresAt: expect.any(Number) });
    const expiresAt = (ack as { expiresAt: number }).expiresAt;

    await nextEvent(client, 'error_event');
    // Ended by the new token's expiry, not the first one's.
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  });
});

describe('handshake authentication against an identity provider key set (JWKS)', () => {
  let jwks: Server;
  let gateway: Gateway;
  let key: CryptoKey;
  let strangerKey: CryptoKey;

  beforeAll(async () => {
    const [pair, stranger] = await Promise.all([
      generateKeyPair('ES256'),
      generateKeyPair('ES256'),
    ]);
    key = pair.privateKey;
    strangerKey = stranger.privateKey;
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }] });
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    gateway = await Gateway.start({
      name: 'auth-jwks',
      env: { AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`, AUTH_ISSUER: 'https://idp.test' },
    });
  });
  afterAll(async () => {
    closeAllClients();
    await gateway.stop();
    await new Promise((resolve) => jwks.close(resolve));
    await stopAll();
  });

  test('a token signed by the provider connects; one signed by another key does not', async () => {
    const claims = { sub: 'user-5', issuer: 'https://idp.test' };
    const es256 = { alg: 'ES256', kid: 'k1' };
    await expect(
      tryHandshake(gateway.url, { token: await signToken(claims, key, es256) }),
    ).resolves.toBe('connected');
    await expect(
      tryHandshake(gateway.url, { token: await signToken(claims, strangerKey, es256) }),
    ).resolves.toEqual(unauthorized('the token is not valid'));
    await expect(
      tryHandshake(gateway.url, {
        token: await signToken({ ...claims, issuer: 'https://evil' }, key, es256),
      }),
    ).resolves.toEqual(unauthorized(`the token's iss claim is not accepted`));
  });
});

describe('authentication of recovered sessions (redis-streams)', () => {
  let cluster: Cluster;

  beforeEach(async () => {
    cluster = await Cluster.start('redis-streams', 2, {
      ...AUTH,
      DRAIN_DELAY_MS: '200',
      DRAIN_WINDOW_MS: '300',
    });
  });
  afterEach(() => cluster.stop());

  test('a valid token recovers the session and its identity on the other replica', async () => {
    const [a, b] = cluster.nodes;
    const token = await signToken({ sub: 'user-6', name: 'Lin', audience: 'deliverer' });
    const client = await connectClient(a!.url, { failoverTo: b!.url, token });
    await waitForSession(client);
    a!.proc.signal('SIGTERM');
    const sessions = await waitForSession(client, 2);
    expect(sessions[1]).toEqual({ node: 'node-b', recovered: true, name: 'Lin', userId: 'user-6' });
  });

  test.each<[string, () => Promise<string>, string]>([
    [
      'an expired token',
      () => signToken({ sub: 'user-7', audience: 'deliverer', expiresIn: -60 }),
      'the token has expired',
    ],
    [
      "another user's token",
      () => signToken({ sub: 'user-8', audience: 'deliverer' }),
      'the session belongs to another user',
    ],
  ])('%s cannot ride Connection State Recovery back in', async (_name, token, message) => {
    const [a, b] = cluster.nodes;
    const client = await connectClient(a!.url, {
      failoverTo: b!.url,
      token: await signToken({ sub: 'user-7', audience: 'deliverer' }),
    });
    await waitForSession(client);
    client.auth = { token: await token() };
    const refused = nextEvent<{ data: unknown }>(client, 'connect_error');
    a!.proc.signal('SIGTERM');
    await expect(refused).resolves.toMatchObject({ data: { code: 'unauthorized', message } });
    await b!.proc.waitForLine(/"recovered":true.*"msg":"handshake unauthorized"/);
    expect(client.active).toBe(false);
  });
});

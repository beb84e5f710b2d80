import { Ajv } from 'ajv';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../harness/browser.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  countOf,
  everyoneReceives,
  settle,
  waitForBroadcast,
} from '../harness/clients.js';
import { Cluster } from '../harness/cluster.js';
import { eventually } from '../harness/eventually.js';
import type { Gateway } from '../harness/gateway.js';

// Test keys: at least 24 printable characters, as the config module requires.
const KEY_A = 'test-key-a-4f0c2d9e7b1a6c3f8e5d';
const KEY_B = 'test-key-b-9a8b7c6d5e4f3a2b1c0d';
const WRONG_KEY = 'test-key-x-0000000000000000000000';

interface Sent {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

interface SendOptions {
  key?: string | null;
  /** A raw Authorization header, for schemes other than Bearer. */
  authorization?: string;
  contentType?: string;
  /** The body as sent, instead of JSON.stringify(body). */
  raw?: string;
}

/** POSTs to the publish API of one replica; every answer, errors included, must be JSON. */
async function post(node: Gateway, body: unknown, options: SendOptions = {}): Promise<Sent> {
  const { key = KEY_A, authorization, contentType = 'application/json', raw } = options;
  const headers: Record<string, string> = { 'content-type': contentType };
  if (authorization !== undefined) headers.authorization = authorization;
  else if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${node.url}/api/v1/messages`, {
    method: 'POST',
    headers,
    body: raw ?? JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Sent['body'] };
}

function join(client: TestClient, room: string) {
  return client.timeout(5000).emitWithAck('join_room', { room });
}

const texts = (client: TestClient) => client.received.map((m) => m.text);

describe('the publish API on two replicas sharing Redis', () => {
  let cluster: Cluster;
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    cluster = await Cluster.start('redis', 2, { API_KEYS: `${KEY_A},${KEY_B}` });
    [a, b] = cluster.nodes as [Gateway, Gateway];
  });
  afterAll(() => cluster.stop());
  afterEach(closeAllClients);

  test('a lobby message posted to A reaches the clients of both replicas, sent by "api"', async () => {
    const [onA, onB] = await Promise.all([connectClient(a.url), connectClient(b.url)]);
    const sent = await post(a, { text: '  deploy finished  ' });
    expect(sent).toMatchObject({ status: 202, body: { status: 'ok', id: expect.any(String) } });
    expect(sent.headers.get('idempotent-replayed')).toBeNull();

    await everyoneReceives([onA!, onB!], 'deploy finished');
    for (const client of [onA!, onB!]) {
      const message = client.received.find((m) => m.text === 'deploy finished')!;
      expect(message).toMatchObject({ id: sent.body.id, sender: 'api', node: 'node-a' });
      expect(message).not.toHaveProperty('room');
    }
  });

  test("a room message reaches that room's members on both replicas and nobody else", async () => {
    const [memberA, memberB, otherRoom, lobbyOnly] = await Promise.all([
      connectClient(a.url),
      connectClient(b.url),
      connectClient(a.url),
      connectClient(b.url),
    ]);
    await join(memberA!, 'ops');
    await join(memberB!, 'ops');
    await join(otherRoom!, 'sales');

    const sent = await post(a, { room: 'ops', text: 'for ops only' });
    expect(sent).toMatchObject({ status: 202, body: { status: 'ok' } });
    await everyoneReceives([memberA!, memberB!], 'for ops only');
    // The fence leaves A after the room message, on the same path to B: whoever lacks the room
    // message once the fence is in never gets it.
    await settle(memberA!, [memberA!, memberB!, otherRoom!, lobbyOnly!]);
    expect(texts(otherRoom!)).toEqual(['fence']);
    expect(texts(lobbyOnly!)).toEqual(['fence']);
    expect(memberB!.received.find((m) => m.text === 'for ops only')).toMatchObject({
      room: 'ops',
      sender: 'api',
      id: sent.body.id,
    });
  });

  test('a retry with the same idempotency key, to the other replica, is delivered once and gets the same id', async () => {
    const [onA, onB] = await Promise.all([connectClient(a.url), connectClient(b.url)]);
    const body = { text: 'order 42 shipped', idempotencyKey: 'order-42:shipped' };

    const first = await post(a, body);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retry = await post(b, body);
    expect(retry).toMatchObject({ status: 202, body: { status: 'ok', id: first.body.id } });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');

    // The first copy reaches everyone; a second one would have left B before the fence does.
    await everyoneReceives([onA!, onB!], body.text);
    await settle(onB!, [onA!, onB!]);
    expect([countOf(onA!, body.text), countOf(onB!, body.text)]).toEqual([1, 1]);

    // Idempotency keys are scoped by API key: another service's "order-42:shipped" is its own.
    const otherService = await post(a, body, { key: KEY_B });
    expect(otherService.status).toBe(202);
    expect(otherService.body.id).not.toBe(first.body.id);
    expect(otherService.headers.get('idempotent-replayed')).toBeNull();
    for (const client of [onA!, onB!]) {
      await waitForBroadcast(client, (got) => got.filter((m) => m.text === body.text).length === 2);
    }
  });

  test('401 without a key, with an unknown key or another scheme, with a Bearer challenge', async () => {
    const missing = await post(a, { text: 'hello' }, { key: null });
    expect(missing).toMatchObject({ status: 401, body: { status: 'error', code: 'unauthorized' } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="deliverer"');

    const wrong = await post(b, { text: 'hello' }, { key: WRONG_KEY });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);

    for (const authorization of [`Basic ${Buffer.from(`u:${KEY_A}`).toString('base64')}`, KEY_A]) {
      const other = await post(a, { text: 'hello' }, { authorization });
      expect(other).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    }
    // Checked before the body is read: a malformed one changes nothing.
    expect(await post(a, null, { key: null, raw: '{"text":' })).toMatchObject({ status: 401 });
  });

  test.each([
    ['a missing text', { room: 'ops' }, 'text is required'],
    ['an empty text', { text: '   ' }, 'text must not be empty'],
    ['a text that is not a string', { text: 42 }, 'text must be a string'],
    ['an unknown field', { text: 'hi', colour: 'red' }, 'unknown field "colour"'],
    ['a bad room name', { text: 'hi', room: 'has space' }, 'room must be 1 to 64'],
    ['a room name that is a socket id', { text: 'hi', room: 'socket:id' }, 'room must be'],
    ['a bad idempotency key', { text: 'hi', idempotencyKey: 'a b' }, 'idempotencyKey must be'],
    ['an array', [{ text: 'hi' }], 'body must be a JSON object'],
  ])('400 invalid_payload for %s, naming what is wrong', async (_name, body, message) => {
    const sent = await post(a, body);
    expect(sent).toMatchObject({ status: 400, body: { status: 'error', code: 'invalid_payload' } });
    expect(sent.body.message).toContain(message);
  });

  test('400 for malformed JSON, without echoing it', async () => {
    const sent = await post(a, null, { raw: '{"text": "<secret-ish input>' });
    expect(sent).toMatchObject({
      status: 400,
      body: { code: 'invalid_payload', message: 'the body is not valid JSON' },
    });
  });

  test('413 for a body over the limit; a longest text, every character escaped, still fits', async () => {
    const oversize = await post(a, { text: 'x'.repeat(100_000) });
    expect(oversize).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });

    // 2000 characters (MAX_TEXT_LENGTH) written as \uXXXX, as a strict ASCII encoder may.
    const escaped = `{"text":"${'\\u00e9'.repeat(2000)}","idempotencyKey":"${'k'.repeat(128)}"}`;
    expect(await post(a, null, { raw: escaped })).toMatchObject({ status: 202 });
  });

  test('415 for a body that is not application/json', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const sent = await post(a, null, { contentType, raw: 'text=hello' });
      expect(sent).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    }
    const latin1 = await post(
      a,
      { text: 'hi' },
      { contentType: 'application/json; charset=latin1' },
    );
    expect(latin1).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
  });

  test('unknown API routes and methods answer JSON, never an HTML page', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/messages'],
      ['POST', '/api/v2/messages'],
    ] as const) {
      const res = await fetch(`${a.url}${path}`, { method, signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    }
  });

  test('requests are counted by status, messages as broadcasts, and no key reaches a log', async () => {
    const metrics = await a.metrics();
    expect(metrics.value('deliverer_api_requests_total', { status: '202' })).toBeGreaterThan(0);
    expect(metrics.value('deliverer_api_requests_total', { status: '401' })).toBeGreaterThan(0);
    expect(metrics.value('deliverer_messages_broadcast_total')).toBeGreaterThan(0);
    for (const node of cluster.nodes) {
      const lines = [...node.proc.stdout, ...node.proc.stderr];
      for (const key of [KEY_A, KEY_B, WRONG_KEY]) {
        expect(lines.filter((line) => line.includes(key))).toEqual([]);
      }
    }
  });

  describe('the OpenAPI document and Swagger UI', () => {
    type Json = Record<string, unknown>;
    let openapi: Json;

    beforeAll(async () => {
      const res = await fetch(`${a.url}/api/docs-json`, { signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
      openapi = (await res.json()) as Json;
    });

    /** Follows a local `#/…` reference. */
    const resolve = (ref: string): Json =>
      ref
        .slice(2)
        .split('/')
        .reduce<Json>((node, part) => node?.[part] as Json, openapi);

    /** Every $ref in the document, wherever it is. */
    function refs(node: unknown): string[] {
      if (!node || typeof node !== 'object') return [];
      return Object.entries(node).flatMap(([key, value]) =>
        key === '$ref' && typeof value === 'string' ? [value] : refs(value),
      );
    }

    test('is OpenAPI 3 and describes the route, its bearer security, every status and the error body', () => {
      expect(openapi.openapi).toMatch(/^3\.\d+\.\d+$/);
      expect(openapi.info).toMatchObject({ title: expect.any(String), version: '1' });
      const operation = (openapi.paths as Json)['/api/v1/messages'] as { post: Json };
      expect(Object.keys(openapi.paths as Json)).toEqual(['/api/v1/messages']);
      const post = operation.post as {
        security: Json[];
        requestBody: { content: Record<string, { schema: Json }> };
        responses: Record<string, { content: Record<string, { schema: Json }>; headers?: Json }>;
      };
      const schemes = (openapi.components as { securitySchemes: Json }).securitySchemes;
      const [requirement] = post.security;
      const [scheme] = Object.keys(requirement!);
      expect(schemes[scheme!]).toMatchObject({ type: 'http', scheme: 'bearer' });

      expect(Object.keys(post.responses).sort()).toEqual(
        ['202', '400', '401', '404', '413', '415', '429', '500', '503'].sort(),
      );
      expect(post.responses['202']!.headers).toHaveProperty('Idempotent-Replayed');
      expect(post.responses['429']!.headers).toHaveProperty('Retry-After');
      expect(post.responses['401']!.headers).toHaveProperty('WWW-Authenticate');
      for (const [status, response] of Object.entries(post.responses)) {
        const [name] = refs(response.content['application/json']!.schema);
        expect([status, name]).toEqual([
          status,
          status === '202'
            ? '#/components/schemas/PublishAccepted'
            : '#/components/schemas/ApiError',
        ]);
      }
      const error = resolve('#/components/schemas/ApiError') as {
        required: string[];
        properties: { code: { enum: string[] } };
      };
      expect(error.required).toEqual(expect.arrayContaining(['status', 'code', 'message']));
      expect(error.properties.code.enum).toEqual(
        expect.arrayContaining(['invalid_payload', 'unauthorized', 'rate_limited', 'unavailable']),
      );
      const [bodyRef] = refs(post.requestBody.content['application/json']!.schema);
      expect(bodyRef).toBe('#/components/schemas/PublishRequest');
      for (const ref of refs(openapi))
        expect([ref, resolve(ref)]).toEqual([ref, expect.anything()]);
    });

    test('its body schema, from the zod contract, agrees with the server on what it accepts', async () => {
      const ajv = new Ajv({ strict: false });
      const accepts = ajv.compile(resolve('#/components/schemas/PublishRequest'));
      const bodies = [
        { text: 'schema says yes' },
        { text: 'in a room', room: 'design.v2_x-1' },
        { text: 'with a key', idempotencyKey: 'a:b.c-d_e' },
        { text: 'x'.repeat(2000) },
        {},
        { text: 'x'.repeat(2001) },
        { text: 'hi', sender: 'spoofed' },
        { text: 'hi', room: 'a/b' },
        { text: 'hi', idempotencyKey: 'k'.repeat(129) },
      ];
      for (const body of bodies) {
        const sent = await post(a, body);
        expect({ body, status: sent.status }).toEqual({
          body,
          status: accepts(body) ? 202 : 400,
        });
      }
    });

    test('/api/docs is Swagger UI: HTML without inline script or style, under the strict policy', async () => {
      const res = await fetch(`${a.url}/api/docs`, { signal: AbortSignal.timeout(5000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html\b/);
      expect(res.headers.get('content-security-policy')).toMatch(
        /script-src 'self'; style-src 'self'/,
      );
      const html = await res.text();
      expect(html).toContain('swagger-ui-bundle.js');
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\bstyle=/);
      for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js']) {
        const file = await fetch(`${a.url}/api/docs/${asset}`, {
          signal: AbortSignal.timeout(5000),
        });
        expect([asset, file.status]).toEqual([asset, 200]);
        await file.arrayBuffer();
      }
    });

    describe('in Chromium', () => {
      let browser: Awaited<ReturnType<typeof launchBrowser>>;

      beforeAll(async () => {
        browser = await launchBrowser();
      });
      afterAll(() => browser?.close());

      test('renders without a CSP violation, and "Try it out" publishes to the clients', async () => {
        const listener = await connectClient(b.url);
        const page: Page = await browser.context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
        page.on('console', (msg) => {
          if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
        });
        // Reported to the console, where the listener above collects it.
        await page.addInitScript({
          content: `document.addEventListener('securitypolicyviolation', (event) =>
            console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));`,
        });
        await page.goto(`${a.url}/api/docs`);
        await page
          .locator('.opblock-summary-path')
          .filter({ hasText: '/api/v1/messages' })
          .waitFor();

        await page.getByRole('button', { name: 'Authorize' }).first().click();
        await page.locator('.auth-container input').fill(KEY_A);
        await page.getByRole('button', { name: 'Apply credentials' }).click();
        await page.locator('.modal-ux button.btn-done').click();

        await page.locator('.opblock-summary').first().click();
        await page.getByRole('button', { name: 'Try it out' }).click();
        await page.locator('textarea.body-param__text').fill('{ "text": "from Swagger UI" }');
        await page.getByRole('button', { name: 'Execute' }).click();
        await page
          .locator('.live-responses-table .response-col_status')
          .filter({ hasText: '202' })
          .waitFor();
        await waitForBroadcast(listener, (got) => got.some((m) => m.text === 'from Swagger UI'));
        expect(problems).toEqual([]);

        // The detector itself: an inline style, which the policy refuses, is reported.
        const reported = page.waitForEvent('console', (msg) => msg.text().startsWith('CSP'));
        await page.addStyleTag({ content: 'body { color: red }' }).catch(() => undefined);
        expect((await reported).text()).toContain('style-src');
        await page.close();
      });
    });
  });
});

describe('the rate limit, one bucket per key across the replicas', () => {
  const LIMITED = 'test-key-limited-aaaaaaaaaaaaaaaa';
  const UNTOUCHED = 'test-key-untouched-bbbbbbbbbbbbbb';
  let cluster: Cluster;

  beforeAll(async () => {
    // One token a second: the requests below take milliseconds, far from a refill.
    cluster = await Cluster.start('redis', 2, {
      API_KEYS: `${LIMITED},${UNTOUCHED}`,
      API_RATE_LIMIT_PER_SEC: '1',
      API_RATE_LIMIT_BURST: '4',
    });
  });
  afterAll(() => cluster.stop());

  test('the burst is shared by both replicas, then 429 with Retry-After; another key is unaffected', async () => {
    const [a, b] = cluster.nodes as [Gateway, Gateway];
    const statuses: number[] = [];
    // Alternating replicas: per-replica buckets would admit 8 of these.
    for (const node of [a, b, a, b, a, b]) {
      statuses.push((await post(node, { text: 'tick' }, { key: LIMITED })).status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);

    const refused = await post(b, { text: 'tick' }, { key: LIMITED });
    expect(refused).toMatchObject({
      status: 429,
      body: { status: 'error', code: 'rate_limited', retryAfterMs: expect.any(Number) },
    });
    expect(refused.body.retryAfterMs).toBeGreaterThan(0);
    expect(refused.body.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(refused.headers.get('retry-after')).toBe('1');

    expect(await post(a, { text: 'other key' }, { key: UNTOUCHED })).toMatchObject({ status: 202 });
    expect(await post(b, { text: 'other key' }, { key: UNTOUCHED })).toMatchObject({ status: 202 });
  });
});

describe('the publish API when Redis stops answering', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('redis', 1, { API_KEYS: KEY_A });
  });
  afterAll(async () => {
    cluster.redis?.thaw();
    await cluster.stop();
  });

  test('503 unavailable within the deadline instead of hanging, and 202 once Redis is back', async () => {
    const [node] = cluster.nodes as [Gateway];
    expect(await post(node, { text: 'before' })).toMatchObject({ status: 202 });
    cluster.redis!.freeze();
    try {
      const started = Date.now();
      const sent = await post(node, { text: 'while frozen', idempotencyKey: 'frozen-1' });
      expect(sent).toMatchObject({ status: 503, body: { status: 'error', code: 'unavailable' } });
      expect(sent.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      cluster.redis!.thaw();
    }
    await eventually(
      async () => (await post(node, { text: 'after' })).status === 202,
      'the API accepts messages again',
    );
  });
});

describe('the publish API on one replica without Redis', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('memory', 1, {
      API_KEYS: KEY_A,
      API_RATE_LIMIT_PER_SEC: '1',
      API_RATE_LIMIT_BURST: '3',
    });
  });
  afterAll(() => cluster.stop());

  test('publishes, replays an idempotent retry from memory, and limits the rate in memory', async () => {
    const [node] = cluster.nodes as [Gateway];
    const client = await connectClient(node.url);
    const body = { text: 'from memory', idempotencyKey: 'memory-1' };
    const first = await post(node, body);
    const retry = await post(node, body);
    expect(first).toMatchObject({ status: 202, body: { id: expect.any(String) } });
    expect(retry).toMatchObject({ status: 202, body: { id: first.body.id } });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    await settle(client, [client]);
    expect(countOf(client, body.text)).toBe(1);

    // Two of the burst of 3 are spent; the fence was a socket event, not an API request.
    expect((await post(node, { text: 'third' })).status).toBe(202);
    expect(await post(node, { text: 'fourth' })).toMatchObject({
      status: 429,
      body: { code: 'rate_limited' },
    });
  });
});

describe('the publish API without API_KEYS', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('memory', 1);
  });
  afterAll(() => cluster.stop());

  test('answers 404 api_disabled, whatever the key, and still serves its documentation', async () => {
    const [node] = cluster.nodes as [Gateway];
    for (const key of [KEY_A, null]) {
      const sent = await post(node, { text: 'hello' }, { key });
      expect(sent).toMatchObject({
        status: 404,
        body: {
          status: 'error',
          code: 'api_disabled',
          message: expect.stringContaining('API_KEYS'),
        },
      });
    }
    const docs = await fetch(`${node.url}/api/docs-json`, { signal: AbortSignal.timeout(5000) });
    expect(docs.status).toBe(200);
  });
});

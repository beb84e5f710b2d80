import { connect } from 'node:net';
import { launchBrowser } from '../harness/browser.js';
import { Gateway } from '../harness/gateway.js';
import { stopAll } from '../harness/processes.js';

const EXPECTED_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; " +
    "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const STACK_FRAME = /at .*\(.*:\d+:\d+\)/;
// Source paths, or the first line of /etc/passwd had a traversal got through.
const LEAK = /\/work\/|node_modules|root:x:0:0/;

function expectHardened(headers: Headers): void {
  expect(Object.fromEntries(Object.keys(EXPECTED_HEADERS).map((h) => [h, headers.get(h)]))).toEqual(
    EXPECTED_HEADERS,
  );
  expect(headers.get('x-powered-by')).toBeNull();
}

/** Reads the whole body: an unread one keeps the connection busy and stalls the gateway's stop. */
async function get(url: string): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/**
 * Sends bytes exactly as written: fetch would normalise `/../` away and refuse a bad header
 * before it left this process, and those are the requests under test.
 */
function rawRequest(port: number, request: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      if (Number.isNaN(status)) reject(new Error(`no HTTP response: ${JSON.stringify(text)}`));
      else resolve({ status, text });
    };
    socket.setTimeout(3000, () => socket.destroy(new Error('no answer within 3 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', done);
    // A server that answers before reading the whole body may reset; what it sent still counts.
    socket.on('error', (err) => (chunks.length ? done() : reject(err)));
    // Not end(): a half-closed client gets no answer to a request still being served.
    socket.write(request);
  });
}

function request(method: string, path: string, headers: string[] = [], body = ''): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers];
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const JSON_TYPE = 'Content-Type: application/json';

describe('HTTP hardening of the public port', () => {
  let gateway: Gateway;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([Gateway.start({ name: 'hardening' }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await stopAll();
  });

  describe('security headers', () => {
    test('the client page', async () => {
      const res = await get(`${gateway.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expectHardened(res.headers);
    });

    test('the first script the page loads', async () => {
      const html = (await get(`${gateway.url}/`)).body;
      const script = /<script[^>]*\ssrc="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const res = await get(`${gateway.url}${script}`);
      expect(res.status).toBe(200);
      expectHardened(res.headers);
    });

    test('/healthz', async () => {
      const res = await get(`${gateway.url}/healthz`);
      expect(res.status).toBe(200);
      expectHardened(res.headers);
    });

    // Engine.IO answers before Express, so this relies on engineSecurityHeaders() in createIOServer().
    test('the Socket.IO polling handshake', async () => {
      const res = await get(`${gateway.url}/socket.io/?EIO=4&transport=polling`);
      expect(res.status).toBe(200);
      expectHardened(res.headers);
    });
  });

  describe('hostile requests get a plain status, never a stack or a server path', () => {
    // The last column: whether the app answers at all; Node's parser refuses a bad header first.
    test.each<[string, string, number, boolean]>([
      ['a malformed percent-encoding', request('GET', '/%E0%A4%A'), 400, true],
      ['HEAD /', request('HEAD', '/'), 200, true],
      ['POST /', request('POST', '/', [JSON_TYPE], '{}'), 404, true],
      ['an unknown path', request('GET', '/no/such/page'), 404, true],
      ['a dot-dot path', request('GET', '/../../etc/passwd'), 404, true],
      ['an encoded dot-dot path', request('GET', '/%2e%2e/%2e%2e/etc/passwd'), 404, true],
      // No route takes a body: nothing parses it, so nothing echoes it back.
      ['malformed JSON to /readyz', request('POST', '/readyz', [JSON_TYPE], '{"a":,}'), 404, true],
      [
        'a 200 kB JSON body to /readyz',
        request('POST', '/readyz', [JSON_TYPE], JSON.stringify({ a: 'x'.repeat(200_000) })),
        404,
        true,
      ],
      ['a header name with a space', request('GET', '/', ['Bad Header: x']), 400, false],
    ])('%s', async (_name, raw, status, byApp) => {
      const res = await rawRequest(gateway.port, raw);
      expect(res.status).toBe(status);
      const split = res.text.indexOf('\r\n\r\n');
      const head = res.text.slice(0, split).toLowerCase();
      const body = res.text.slice(split + 4);
      expect(body).not.toMatch(STACK_FRAME);
      expect(body).not.toMatch(LEAK);
      expect(body).not.toMatch(/<!doctype html/i);
      expect(body).not.toContain('{"a":');
      if (body) expect(JSON.parse(body)).toEqual(expect.objectContaining({ statusCode: status }));
      if (byApp) expect(head).toContain('\r\nx-content-type-options: nosniff');
      expect(head).not.toContain('x-powered-by');
    });
  });

  test('/metrics is not served on the public port', async () => {
    const res = await get(`${gateway.url}/metrics`);
    expect(res.status).toBe(404);
  });

  test('the page in Chromium runs under the policy without a single violation', async () => {
    const page = await browser.context.newPage();
    const cspMessages: string[] = [];
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) cspMessages.push(msg.text());
    });
    // Init scripts come from the DevTools protocol, which the page's policy does not govern.
    // Page code is passed as strings: this project's TypeScript has no DOM types.
    await page.addInitScript(`
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
    const violations = () => page.evaluate<string[]>('window.cspViolations');

    const response = await page.goto(gateway.url);
    expect(response?.headers()['content-security-policy']).toBe(
      EXPECTED_HEADERS['content-security-policy'],
    );
    await page
      .getByTestId('connection-badge')
      .filter({ hasText: /connected/i })
      .waitFor();
    await expect(violations()).resolves.toEqual([]);
    expect(cspMessages).toEqual([]);

    // The listeners must be live, or the empty lists above prove nothing.
    const logged = page.waitForEvent('console', {
      predicate: (msg) => msg.text().includes('Content Security Policy'),
      timeout: 3000,
    });
    await page.evaluate(`
      document.head.append(Object.assign(document.createElement('script'), { textContent: '0' }));
    `);
    await logged;
    await expect(violations()).resolves.toEqual([expect.stringMatching(/^script-src/)]);
    await page.close();
  });
});

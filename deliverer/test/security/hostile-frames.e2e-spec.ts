import { Gateway } from '../harness/gateway.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  everyoneReceives,
} from '../harness/clients.js';
import { stopAll } from '../harness/processes.js';
import {
  type HttpReply,
  type RawSession,
  RawPolling,
  RawWebSocket,
  closeAllRaw,
  httpRequest,
  rawHttp,
} from '../harness/raw-engine.js';

const MAX_PAYLOAD_BYTES = 100_000;

/** How the gateway answers one hostile input. */
type Outcome =
  /** It ends the session (see RawSession.waitForEnd); `reason` is the disconnect reason it logs. */
  | { ends: string | RegExp; reason?: string | RegExp }
  /** It answers with this exact frame, and the session keeps working. */
  | { replies: string }
  /** It drops the input, and the session keeps working. */
  | { carriesOn: true };

/** A raw `input_event` frame of exactly `bytes` bytes. */
function eventFrame(bytes: number, ackId = ''): string {
  const head = `42${ackId}["input_event","`;
  return `${head}${'x'.repeat(bytes - head.length - 2)}"]`;
}
const deepArray = (levels: number) => `${'['.repeat(levels)}"deep"${']'.repeat(levels)}`;
const ackFrame = (id: number, body: object) => `43${id}${JSON.stringify([body])}`;
const errorEvent = (body: object) => `42${JSON.stringify(['error_event', body])}`;
const unknownEvent = (message: string) => ({ status: 'error', code: 'unknown_event', message });
const invalidPayload = (message: string) => ({ status: 'error', code: 'invalid_payload', message });
const FORCED = { ends: '1005', reason: 'forced close' } as const;
/**
 * A dropped polling session: the close packet rides on the pending poll; when no poll is pending
 * at that moment, a parse or transport error removes the session at once and the next poll finds
 * it gone.
 */
const POLL_ENDED = /^(close packet|HTTP 400 \{"code":1,"message":"Session ID unknown"\})$/;
/**
 * A packet the connection's state does not allow (a second CONNECT) goes to socket.io's
 * Client.close(), which logs "forced server close" unless Engine.IO closed at once: it waits
 * while a frame is being written or, over polling, for the next poll.
 */
const CLIENT_CLOSE = /^forced (server )?close$/;
const matching = (text: string | RegExp) =>
  typeof text === 'string' ? text : expect.stringMatching(text);

/** A row's expected response in words, for the test's title. */
function titled<T extends { outcome: Outcome }>(rows: T[]): (T & { shows: string })[] {
  const words = (text: string | RegExp) =>
    text === POLL_ENDED
      ? 'session dropped'
      : text === CLIENT_CLOSE
        ? 'forced (server) close'
        : String(text);
  const shows = (outcome: Outcome) => {
    if ('replies' in outcome) return `replies ${outcome.replies}`;
    if ('carriesOn' in outcome) return 'session carries on';
    const ends = typeof outcome.ends === 'string' ? `close ${outcome.ends}` : words(outcome.ends);
    return outcome.reason ? `${ends}, logged "${words(outcome.reason)}"` : ends;
  };
  return rows.map((row) => ({ ...row, shows: shows(row.outcome) }));
}

/** A WebSocket upgrade written by hand; `before` goes ahead of every real header. */
function upgradeRequest(query: string, before = ''): string {
  return (
    `GET /socket.io/?${query} HTTP/1.1\r\n${before}Host: 127.0.0.1\r\n` +
    'Connection: Upgrade\r\nUpgrade: websocket\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  );
}

function statusAndBody(response: string): { status: string; body: string } {
  const split = response.indexOf('\r\n\r\n');
  return {
    status: response.slice(0, response.indexOf('\r\n')),
    body: split < 0 ? '' : response.slice(split + 4),
  };
}

describe('hostile raw Engine.IO / Socket.IO frames against one replica', () => {
  let gateway: Gateway;
  let bystanders: TestClient[];
  let idle: RawSession[];
  let round = 0;

  beforeAll(async () => {
    gateway = await Gateway.start({
      name: 'hostile',
      // Fast heartbeats prove the raw sessions answer pings within the suite's few seconds.
      env: {
        MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
        PING_INTERVAL_MS: '1000',
        PING_TIMEOUT_MS: '5000',
      },
    });
    bystanders = await Promise.all([
      connectClient(gateway.url),
      connectClient(gateway.url, { transport: 'polling' }),
    ]);
    idle = await Promise.all([RawWebSocket.open(gateway.url), RawPolling.open(gateway.url)]);
  });
  afterAll(async () => {
    closeAllRaw();
    closeAllClients();
    await gateway?.stop();
    await stopAll();
  });

  /** Bystanders connected before any attack still get their acks and the broadcasts. */
  async function othersKeepFlowing(): Promise<void> {
    round++;
    // Taking turns keeps each bystander far below the per-socket event rate limit.
    const sender = bystanders[round % bystanders.length]!;
    const text = `still flowing ${round}`;
    await expect(sender.timeout(5000).emitWithAck('input_event', text)).resolves.toMatchObject({
      status: 'ok',
    });
    await everyoneReceives(bystanders, text, 5000);
    expect(bystanders.map((client) => client.connected)).toEqual([true, true]);
    // Nothing a hostile session sent ever reached them.
    const texts = bystanders.flatMap((client) => client.received.map((m) => m.text));
    expect(texts.filter((t) => !t.startsWith('still flowing '))).toEqual([]);
    expect(gateway.alive).toBe(true);
  }

  /** The reason the gateway logged when it dropped this Socket.IO socket. */
  async function disconnectReason(socketId: string): Promise<string> {
    const id = socketId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const line = await gateway.proc.waitForLine(
      new RegExp(`"socketId":"${id}".*"msg":"client disconnected"`),
      5000,
    );
    return (JSON.parse(line) as { reason: string }).reason;
  }

  async function expectStillServed(session: RawSession): Promise<void> {
    await session.send('421["set_profile",{"name":"still here"}]');
    await session.waitForFrame(ackFrame(1, { status: 'ok', name: 'still here' }));
  }

  async function expectOutcome(session: RawSession, outcome: Outcome): Promise<void> {
    if ('replies' in outcome) {
      await session.waitForFrame(outcome.replies);
      await expectStillServed(session);
    } else if ('carriesOn' in outcome) {
      await expectStillServed(session);
    } else {
      await expect(session.waitForEnd()).resolves.toEqual(matching(outcome.ends));
      if (outcome.reason) {
        await expect(disconnectReason(session.socketId!)).resolves.toEqual(
          matching(outcome.reason),
        );
      }
    }
  }

  describe('over WebSocket', () => {
    interface Row {
      input: string;
      send: (session: RawWebSocket) => Promise<unknown>;
      /** false: only the Engine.IO handshake, no Socket.IO CONNECT. */
      connect?: boolean;
      outcome: Outcome;
    }
    // All written at once, as an attacker would: the server may close before the last one.
    const frames =
      (...list: (string | Buffer)[]) =>
      (session: RawWebSocket) =>
        Promise.allSettled(list.map((frame) => session.send(frame)));

    const malformed: Row[] = [
      {
        input: 'unknown engine.io type 9hello',
        send: frames('9hello'),
        outcome: { ends: '1005', reason: 'parse error' },
      },
      { input: 'non-array event 42{"a":1}', send: frames('42{"a":1}'), outcome: FORCED },
      {
        input: 'truncated JSON 42["input_event",{',
        send: frames('42["input_event",{'),
        outcome: FORCED,
      },
      // No Socket.IO socket exists yet, so there is no disconnect to log.
      {
        input: 'an event before CONNECT',
        send: frames('42["input_event","x"]'),
        connect: false,
        outcome: { ends: '1005' },
      },
      {
        input: 'a second CONNECT 40',
        send: frames('40'),
        outcome: { ends: '1005', reason: CLIENT_CLOSE },
      },
    ];
    const eventNames: Row[] = [
      {
        input: 'reserved name 42["error"]',
        send: frames('42["error"]'),
        outcome: { replies: errorEvent(unknownEvent('unknown event "error"')) },
      },
      { input: 'reserved name 42["connect"]', send: frames('42["connect"]'), outcome: FORCED },
      {
        input: 'reserved name 42["disconnecting"]',
        send: frames('42["disconnecting"]'),
        outcome: FORCED,
      },
      {
        input: 'object name 42[{"toString":"x"}]',
        send: frames('42[{"toString":"x"}]'),
        outcome: FORCED,
      },
      {
        input: 'numeric name 420[123]',
        send: frames('420[123]'),
        outcome: { replies: ackFrame(0, unknownEvent('unknown event of type number')) },
      },
    ];
    const attachments: Row[] = [
      {
        input: 'placeholder with num "foo", then a binary frame',
        send: frames(
          '451-["input_event",{"_placeholder":true,"num":"foo"}]',
          Buffer.from([1, 2, 3]),
        ),
        outcome: FORCED,
      },
      {
        input: '11 attachments 4511-["input_event"]',
        send: frames('4511-["input_event"]'),
        outcome: FORCED,
      },
      {
        input: 'a text frame where the binary one is due',
        send: frames('451-["input_event",{"_placeholder":true,"num":0}]', '4hello'),
        outcome: FORCED,
      },
    ];
    const sizes: Row[] = [
      {
        input: `a frame of MAX_PAYLOAD_BYTES + 1 (${MAX_PAYLOAD_BYTES + 1} bytes)`,
        send: frames(eventFrame(MAX_PAYLOAD_BYTES + 1)),
        outcome: { ends: '1009', reason: 'transport error' },
      },
      {
        input: 'a 1 MB string',
        send: frames(eventFrame(1_000_000)),
        outcome: { ends: '1009', reason: 'transport error' },
      },
      // Under the transport and event limits: the contract's 2,000-character text limit refuses it.
      {
        input: 'a 60 kB string with an ack',
        send: frames(eventFrame(60_000, '0')),
        outcome: { replies: ackFrame(0, invalidPayload('text must be at most 2000 characters')) },
      },
      {
        input: 'a 70 kB string with an ack (over the 64 KiB event limit)',
        send: frames(eventFrame(70_000, '0')),
        outcome: { replies: ackFrame(0, invalidPayload('payload is larger than 65536 bytes')) },
      },
      {
        // ws >= 8.21 caps a message at 16,384 fragments (maxFragments).
        input: '20,000 tiny fragments of one message',
        send: async (session) => {
          session.ws.send('4', { fin: false });
          for (let i = 2; i < 20_000; i++) session.ws.send('', { fin: false });
          await session.send('', { fin: true }).catch(() => undefined);
        },
        outcome: { ends: '1008', reason: 'transport error' },
      },
    ];

    test.each(titled<Row>([...malformed, ...eventNames, ...attachments, ...sizes]))(
      '$input → $shows',
      async ({ send, connect, outcome }) => {
        const session = await RawWebSocket.open(gateway.url, { connect });
        await send(session);
        await expectOutcome(session, outcome);
        await othersKeepFlowing();
      },
    );
  });

  describe('over long-polling (POST bodies)', () => {
    interface Row {
      input: string;
      body: string;
      headers?: Record<string, string>;
      connect?: boolean;
      post: HttpReply;
      outcome: Outcome;
    }
    const ok = { status: 200, body: 'ok' };

    test.each(
      titled<Row>([
        {
          input: 'unknown engine.io type 9hello',
          body: '9hello',
          post: ok,
          outcome: { ends: POLL_ENDED, reason: 'parse error' },
        },
        {
          input: 'non-array event 42{"a":1}',
          body: '42{"a":1}',
          post: ok,
          outcome: { ends: POLL_ENDED, reason: 'forced close' },
        },
        {
          input: 'truncated JSON 42["input_event",{',
          body: '42["input_event",{',
          post: ok,
          outcome: { ends: POLL_ENDED, reason: 'forced close' },
        },
        {
          input: 'an event before CONNECT',
          body: '42["input_event","x"]',
          connect: false,
          post: ok,
          outcome: { ends: POLL_ENDED },
        },
        {
          input: 'a second CONNECT 40',
          body: '40',
          post: ok,
          outcome: { ends: POLL_ENDED, reason: CLIENT_CLOSE },
        },
        {
          input: 'a 45,000-deep nested array',
          body: `42["input_event",${deepArray(45_000)}]`,
          post: ok,
          outcome: {
            replies: errorEvent(invalidPayload('payload is nested deeper than 32 levels')),
          },
        },
        // Engine.IO refuses the body but keeps the session: a client with one bad send stays on.
        {
          input: `a body of MAX_PAYLOAD_BYTES + 1 (${MAX_PAYLOAD_BYTES + 1} bytes)`,
          body: eventFrame(MAX_PAYLOAD_BYTES + 1),
          post: { status: 413, body: '' },
          outcome: { carriesOn: true },
        },
        {
          input: 'a 1 MB string',
          body: eventFrame(1_000_000),
          post: { status: 413, body: '' },
          outcome: { carriesOn: true },
        },
        // Engine.IO v4 sends binary as base64 text; before engine.io 6.6.7 this request hung.
        {
          input: 'Content-Type: application/octet-stream',
          body: '42["input_event","x"]',
          headers: { 'content-type': 'application/octet-stream' },
          post: { status: 400, body: '' },
          outcome: { ends: POLL_ENDED, reason: 'transport error' },
        },
      ]),
    )('$input → POST $post.status, $shows', async ({ body, headers, connect, post, outcome }) => {
      const session = await RawPolling.open(gateway.url, { connect });
      await expect(session.post(body, headers)).resolves.toEqual(post);
      await expectOutcome(session, outcome);
      await othersKeepFlowing();
    });
  });

  describe('refused handshakes', () => {
    test.each([
      [
        'transport=__proto__',
        { code: 0, message: 'Transport unknown' },
        'EIO=4&transport=__proto__',
      ],
      ['EIO=3', { code: 5, message: 'Unsupported protocol version' }, 'EIO=3&transport=polling'],
      [
        'an unknown sid',
        { code: 1, message: 'Session ID unknown' },
        'EIO=4&transport=polling&sid=abc',
      ],
    ])('polling GET with %s → HTTP 400 %j', async (_input, body, query) => {
      const reply = await httpRequest(`${gateway.url}/socket.io/?${query}`, { timeoutMs: 5000 });
      expect({ status: reply.status, body: JSON.parse(reply.body) as unknown }).toEqual({
        status: 400,
        body,
      });
      await othersKeepFlowing();
    });

    // Node hands JS only the first 2,000 headers (maxHeadersCount): Upgrade and the key are lost,
    // which crashed ws < 8.17.1 (CVE-2024-37890). Short headers stay under Node's 16 KiB limit.
    test.each([
      ['transport=__proto__', 'Transport unknown', upgradeRequest('EIO=4&transport=__proto__')],
      ['an unknown sid', 'Session ID unknown', upgradeRequest('EIO=4&transport=websocket&sid=abc')],
      [
        '2,100 headers ahead of Upgrade',
        'Invalid Upgrade header',
        upgradeRequest('EIO=4&transport=websocket', 'a: 1\r\n'.repeat(2100)),
      ],
    ])('WebSocket upgrade with %s → HTTP/1.1 400 "%s"', async (_input, body, request) => {
      const response = await rawHttp(gateway.port, request);
      expect(statusAndBody(response)).toEqual({ status: 'HTTP/1.1 400 Bad Request', body });
      await othersKeepFlowing();
    });

    // engine.io checks the protocol version only after ws has completed the upgrade, so the 101
    // comes first; what matters is that no session opens and the connection is dropped.
    test('WebSocket upgrade with EIO=3 opens no session and is dropped', async () => {
      const response = await rawHttp(gateway.port, upgradeRequest('EIO=3&transport=websocket'));
      expect(response).toContain('Unsupported protocol version');
      expect(response).not.toContain('{"sid"');
      await othersKeepFlowing();
    });
  });

  describe('afterwards', () => {
    test('raw sessions opened before the attacks answered every ping and are still open', async () => {
      await Promise.all(idle.map((session) => session.waitForPings(2)));
      expect(idle.map((session) => session.open)).toEqual([true, true]);
    });

    test('the replica is up and logged no stack trace, uncaught error or unhandled rejection', async () => {
      const lines = [...gateway.proc.stdout, ...gateway.proc.stderr];
      expect(
        lines.filter((line) => /"stack"|^\s+at |uncaught|unhandled promise rejection/i.test(line)),
      ).toEqual([]);
      // Every stdout line is a pino JSON record; anything else was printed around the logger.
      const errorsOrStray = gateway.proc.stdout.filter((line) => {
        try {
          return (JSON.parse(line) as { level: number }).level >= 50;
        } catch {
          return true;
        }
      });
      expect(errorsOrStray).toEqual([]);
      expect(gateway.alive).toBe(true);
      await othersKeepFlowing();
    });
  });
});

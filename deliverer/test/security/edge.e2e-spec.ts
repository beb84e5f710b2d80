import { Gateway } from '../harness/gateway.js';
import { closeAllClients, connectClient, everyoneReceives } from '../harness/clients.js';
import { stopAll } from '../harness/processes.js';
import { handshakeOutcome } from '../harness/handshakes.js';
import { emitRaw, emitWithoutAck, nextEvent } from '../harness/untyped.js';

describe('the edge: event allow-list, payload limits, origins', () => {
  let gateway: Gateway;
  let strict: Gateway;

  beforeAll(async () => {
    [gateway, strict] = await Promise.all([
      Gateway.start({ name: 'edge', env: { CORS_ORIGINS: 'https://app.example.com' } }),
      Gateway.start({
        name: 'strict',
        env: { CORS_ORIGINS: 'https://app.example.com', ALLOW_NO_ORIGIN: 'false' },
      }),
    ]);
  });
  afterAll(async () => {
    closeAllClients();
    await Promise.all([gateway.stop(), strict.stop()]);
    await stopAll();
  });
  afterEach(closeAllClients);

  test.each<[string, unknown, unknown[], object]>([
    [
      'an unknown event',
      'drop_tables',
      [{}],
      { code: 'unknown_event', message: 'unknown event "drop_tables"' },
    ],
    [
      'a numeric event name',
      123,
      ['x'],
      { code: 'unknown_event', message: 'unknown event of type number' },
    ],
    [
      'a 200 kB string (under the transport limit, over the event limit)',
      'input_event',
      [{ text: 'x'.repeat(200_000) }],
      { code: 'invalid_payload', message: 'payload is larger than 65536 bytes' },
    ],
  ])(
    '%s is refused with the envelope; the replica and other clients carry on',
    async (_name, event, args, envelope) => {
      const hostile = await connectClient(gateway.url);
      const bystander = await connectClient(gateway.url);
      await expect(emitRaw(hostile, event, ...args)).resolves.toEqual({
        status: 'error',
        ...envelope,
      });

      await bystander.timeout(5000).emitWithAck('input_event', 'still flowing');
      await everyoneReceives([hostile, bystander], 'still flowing');
      expect(hostile.connected).toBe(true);
      expect(gateway.alive).toBe(true);
      expect(bystander.received.map((m) => m.text)).toEqual(['still flowing']);
    },
  );

  test('a 45,000-deep array, sent as a raw frame, is refused without harm', async () => {
    const hostile = await connectClient(gateway.url);
    const bystander = await connectClient(gateway.url);
    const error = nextEvent(hostile, 'error_event');
    // Built by hand and sent as an Engine.IO message ("2" = EVENT): socket.io-client's own
    // encoder recurses and overflows on such input.
    const deep = `${'['.repeat(45_000)}"deep"${']'.repeat(45_000)}`;
    hostile.io.engine.send(`2["input_event",${deep}]`);
    await expect(error).resolves.toEqual({
      status: 'error',
      code: 'invalid_payload',
      message: 'payload is nested deeper than 32 levels',
    });
    await bystander.timeout(5000).emitWithAck('input_event', 'after the deep one');
    await everyoneReceives([hostile, bystander], 'after the deep one');
    expect(gateway.alive).toBe(true);
  });

  test('an unknown event without an ack gets an error_event', async () => {
    const client = await connectClient(gateway.url);
    const error = nextEvent(client, 'error_event');
    emitWithoutAck(client, 'nope', 1);
    await expect(error).resolves.toEqual({
      status: 'error',
      code: 'unknown_event',
      message: 'unknown event "nope"',
    });
  });

  test.each(['websocket', 'polling'] as const)(
    'a foreign Origin is refused over %s and logged once',
    async (transport) => {
      const before = gateway.proc.stdout.filter((l) => l.includes('https://evil.example')).length;
      await expect(
        handshakeOutcome(gateway.url, {
          transport: transport,
          headers: { origin: 'https://evil.example' },
        }),
      ).resolves.toBe('refused');
      await gateway.proc.waitForLine(
        /"origin":"https:\/\/evil\.example".*"msg":"handshake refused"/,
      );
      const after = gateway.proc.stdout.filter((l) => l.includes('https://evil.example')).length;
      expect(after - before).toBe(1);
      await expect(
        handshakeOutcome(gateway.url, {
          transport: transport,
          headers: { origin: 'https://app.example.com' },
        }),
      ).resolves.toBe('connected');
      await expect(
        handshakeOutcome(gateway.url, { transport: transport, headers: { origin: gateway.url } }),
      ).resolves.toBe('connected');
    },
  );

  test('a foreign Origin gets HTTP 403 on the polling handshake', async () => {
    const res = await fetch(`${gateway.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
  });

  test('requests without an Origin follow ALLOW_NO_ORIGIN', async () => {
    await expect(handshakeOutcome(gateway.url, { transport: 'websocket' })).resolves.toBe(
      'connected',
    );
    await expect(handshakeOutcome(strict.url, { transport: 'websocket' })).resolves.toBe('refused');
    await expect(
      handshakeOutcome(strict.url, {
        transport: 'websocket',
        headers: { origin: 'https://app.example.com' },
      }),
    ).resolves.toBe('connected');
  });
});

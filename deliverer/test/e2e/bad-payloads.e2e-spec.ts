import { Cluster } from '../harness/cluster.js';
import {
  type TestClient,
  closeAllClients,
  connectClient,
  everyoneReceives,
} from '../harness/clients.js';
import { emitRaw, emitWithoutAck, nextEvent } from '../harness/untyped.js';

const badPayloads: [string, unknown[], RegExp][] = [
  ['no payload at all', [], /payload must be/],
  ['an object without text', [{}], /text is required/],
  ['an empty string', [''], /must not be empty/],
  ['whitespace only', [{ text: '   \n\t' }], /must not be empty/],
  ['text longer than MAX_TEXT_LENGTH', [{ text: 'x'.repeat(2001) }], /at most 2000 characters/],
  ['text of the wrong type', [{ text: 42 }], /text must be a string/],
  ['an array', [['hello']], /payload must be/],
  ['a number', [42], /payload must be/],
  ['null', [null], /payload must be/],
  ['an unknown field', [{ text: 'hi', admin: true }], /unknown field "admin"/],
  ['two arguments', ['hello', 'again'], /payload must be/],
];

describe('bad input_event payloads (two replicas on Redis)', () => {
  let cluster: Cluster;
  let sender: TestClient;
  let observer: TestClient;

  beforeAll(async () => {
    cluster = await Cluster.start('redis', 2);
  });
  afterAll(() => cluster.stop());
  beforeEach(async () => {
    sender = await connectClient(cluster.nodes[0]!.url);
    observer = await connectClient(cluster.nodes[1]!.url);
  });
  afterEach(closeAllClients);

  test.each(badPayloads)(
    '%s gets the invalid_payload envelope, broadcasts nothing and keeps the socket',
    async (_name, args, message) => {
      const ack = await emitRaw(sender, 'input_event', ...args);
      expect(ack).toEqual({
        status: 'error',
        code: 'invalid_payload',
        message: expect.stringMatching(message),
      });

      // Still connected and still served: a valid message goes through, and it is the only one seen.
      const ok = await sender.timeout(5000).emitWithAck('input_event', 'still here');
      expect(ok).toMatchObject({ status: 'ok' });
      await everyoneReceives([sender, observer], 'still here');
      expect(sender.connected).toBe(true);
      expect(observer.received.map((m) => m.text)).toEqual(['still here']);
      expect(sender.received.map((m) => m.text)).toEqual(['still here']);
    },
  );

  test('text at exactly MAX_TEXT_LENGTH after trimming is accepted', async () => {
    const text = 'y'.repeat(2000);
    const ack = await sender.timeout(5000).emitWithAck('input_event', { text: `  ${text}  ` });
    expect(ack).toMatchObject({ status: 'ok' });
    await everyoneReceives([observer], text);
  });

  test('without an ack callback the same envelope arrives as error_event', async () => {
    const error = nextEvent(sender, 'error_event');
    emitWithoutAck(sender, 'input_event', { text: '' });
    await expect(error).resolves.toEqual({
      status: 'error',
      code: 'invalid_payload',
      message: 'text must not be empty',
    });

    const ok = await sender.timeout(5000).emitWithAck('input_event', 'after the error');
    expect(ok).toMatchObject({ status: 'ok' });
    await everyoneReceives([observer], 'after the error');
    expect(observer.received.map((m) => m.text)).toEqual(['after the error']);
  });

  test('a bare string from an echo client without an ack is broadcast', async () => {
    emitWithoutAck(sender, 'input_event', 'hello!');
    const [received] = await everyoneReceives([observer], 'hello!');
    expect(received!.find((m) => m.text === 'hello!')).toMatchObject({
      sender: sender.id,
      node: 'node-a',
    });
  });
});

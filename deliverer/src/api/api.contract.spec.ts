import { parseConfig } from '../config/app.config.js';
import { inputEventSchema } from '../events/events.contract.js';
import { publishRequestSchema } from './api.contract.js';
import { ApiKeyRing, keyIdOf } from './api-keys.js';
import { bodyLimitBytes } from './json-body.interceptor.js';

const firstIssue = (body: unknown) =>
  publishRequestSchema(10).safeParse(body).error?.issues[0]?.message;

describe('publishRequestSchema', () => {
  test('accepts what input_event accepts, trimmed the same way', () => {
    const body = { text: '  hello  ', room: 'ops' };
    expect(publishRequestSchema(10).parse(body)).toEqual(inputEventSchema(10).parse(body));
  });

  test.each([
    [{ text: 'x'.repeat(11) }, 'text must be at most 10 characters'],
    [{ text: 'hi', clientMsgId: 'a'.repeat(16) }, 'unknown field "clientMsgId"'],
    [{ text: 'hi', idempotencyKey: '' }, 'idempotencyKey must be 1 to 128'],
    [{ text: 'hi', idempotencyKey: 'k'.repeat(129) }, 'idempotencyKey must be 1 to 128'],
    ['hello', 'body must be a JSON object'],
  ])('refuses %j: %s', (body, message) => {
    expect(firstIssue(body)).toContain(message);
  });

  test('idempotency keys may hold letters, digits, _, ., : and -', () => {
    expect(firstIssue({ text: 'hi', idempotencyKey: 'Order_42.v2:shipped-1' })).toBeUndefined();
  });
});

describe('ApiKeyRing', () => {
  const keys = ['a'.repeat(24), 'b'.repeat(30)];
  const ring = new ApiKeyRing(keys);

  test('names a configured key by a short id that is not the key', () => {
    expect(ring.identify(keys[1]!)).toBe(keyIdOf(keys[1]!));
    expect(keyIdOf(keys[1]!)).toMatch(/^[0-9a-f]{12}$/);
    expect(keyIdOf(keys[0]!)).not.toBe(keyIdOf(keys[1]!));
  });

  test('knows no other key, not a prefix nor an extension of one', () => {
    for (const other of ['', 'a'.repeat(23), 'a'.repeat(25), 'A'.repeat(24)]) {
      expect(ring.identify(other)).toBeUndefined();
    }
    expect(new ApiKeyRing([]).enabled).toBe(false);
  });
});

describe('bodyLimitBytes', () => {
  test('fits a longest text with every character escaped, within MAX_PAYLOAD_BYTES', () => {
    const config = parseConfig({});
    const escaped = JSON.stringify({ text: 'x'.repeat(config.maxTextLength) }).replaceAll(
      'x',
      '\\u0078',
    );
    expect(bodyLimitBytes(config)).toBeGreaterThan(Buffer.byteLength(escaped) + 1024);
    expect(bodyLimitBytes(config)).toBeLessThan(config.maxPayloadBytes);
    expect(bodyLimitBytes(parseConfig({ MAX_PAYLOAD_BYTES: '2048' }))).toBe(2048);
  });
});

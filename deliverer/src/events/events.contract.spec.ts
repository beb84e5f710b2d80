import { inputEventSchema } from './events.contract.js';

const schema = inputEventSchema(10);

describe('input_event payload validation', () => {
  test.each([
    ['hello!', 'hello!'],
    ['  padded  ', 'padded'],
    [{ text: 'object' }, 'object'],
    [{ text: ' 0123456789 ' }, '0123456789'],
  ])('%j is accepted as text %j', (payload, text) => {
    expect(schema.parse(payload)).toEqual({ text });
  });

  test.each([
    [undefined, 'payload must be a string or an object { text: string }'],
    [null, 'payload must be a string or an object { text: string }'],
    [42, 'payload must be a string or an object { text: string }'],
    [true, 'payload must be a string or an object { text: string }'],
    [['hello'], 'payload must be a string or an object { text: string }'],
    [{}, 'text is required'],
    [{ text: null }, 'text must be a string'],
    [{ text: 5 }, 'text must be a string'],
    ['', 'text must not be empty'],
    [{ text: ' \n ' }, 'text must not be empty'],
    ['x'.repeat(11), 'text must be at most 10 characters'],
    [{ text: 'ok', extra: 1 }, 'unknown field "extra"'],
  ])('%j is refused with %j', (payload, message) => {
    const result = schema.safeParse(payload);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toBe(message);
  });
});

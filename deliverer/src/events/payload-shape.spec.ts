import { payloadProblem } from './payload-shape.js';

function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('payload shape limits', () => {
  test('ordinary payloads pass', () => {
    expect(payloadProblem([{ text: 'hello', clientMsgId: 'c0ffee00-1234' }])).toBeUndefined();
  });

  test('nesting up to the limit passes, one level more is refused', () => {
    expect(payloadProblem(nested(31))).toBeUndefined();
    expect(payloadProblem(nested(32))).toBe('payload is nested deeper than 32 levels');
  });

  test('a 45,000-deep array is refused without recursion', () => {
    expect(payloadProblem(nested(45_000))).toMatch(/nested deeper/);
  });

  test('a 1 MB string is refused by size', () => {
    expect(payloadProblem([{ text: 'x'.repeat(1_000_000) }])).toBe(
      'payload is larger than 65536 bytes',
    );
  });

  test('binary attachments are refused unless allowed, and counted by their byte length', () => {
    const attachment = Buffer.alloc(1000);
    expect(payloadProblem([{ file: attachment }])).toBe('binary attachments are not accepted');
    expect(payloadProblem([{ file: attachment }], { allowBinary: true })).toBeUndefined();
    expect(payloadProblem([Buffer.alloc(70_000)], { allowBinary: true })).toMatch(/larger than/);
  });

  test('many small keys count towards the size', () => {
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    expect(payloadProblem([wide])).toMatch(/larger than/);
  });
});

import { STREAM_ID, compareStreamIds } from './stream-ids.js';

describe('stream ids', () => {
  test.each([
    ['1-0', '1-1', -1],
    ['1-9', '1-10', -1],
    ['2-0', '1-99', 1],
    ['1795589576916-3', '1795589576916-3', 0],
    ['99999999999999-0', '100000000000000-0', -1],
  ])('%s compared with %s is %i, by time then sequence, numerically', (a, b, expected) => {
    expect(Math.sign(compareStreamIds(a, b))).toBe(expected);
  });

  test.each(['1-0', '1795589576916-12'])('%s is a stream id', (id) => {
    expect(STREAM_ID.test(id)).toBe(true);
  });

  test.each(['', '1', '1-', '-1', '1-a', '1-0 ', '$'])('%j is not a stream id', (id) => {
    expect(STREAM_ID.test(id)).toBe(false);
  });
});

import { EventRateLimiter } from './rate-limit.js';

function limiterAt(perSec: number, burst: number, disconnectAfter = 1000) {
  const clock = { now: 0 };
  const limiter = new EventRateLimiter({ perSec, burst, disconnectAfter }, () => clock.now);
  return { limiter, clock };
}

const takeTimes = (limiter: EventRateLimiter, times: number) =>
  Array.from({ length: times }, () => limiter.take().allowed);

describe('EventRateLimiter', () => {
  test('allows a burst, then refuses with the wait until the next token', () => {
    const { limiter } = limiterAt(10, 3);
    expect(takeTimes(limiter, 3)).toEqual([true, true, true]);
    expect(limiter.take()).toEqual({ allowed: false, retryAfterMs: 100, abusive: false });
  });

  test('refills at the sustained rate, never above the burst', () => {
    const { limiter, clock } = limiterAt(10, 2);
    takeTimes(limiter, 2);
    clock.now = 250;
    expect(takeTimes(limiter, 3)).toEqual([true, true, false]);
    clock.now = 60_000;
    expect(takeTimes(limiter, 3)).toEqual([true, true, false]);
  });

  test('reports sustained abuse after disconnectAfter refusals within the window', () => {
    const { limiter, clock } = limiterAt(1, 1, 3);
    limiter.take();
    expect(limiter.take()).toMatchObject({ abusive: false });
    expect(limiter.take()).toMatchObject({ abusive: false });
    expect(limiter.take()).toMatchObject({ abusive: true });
    // Refusals spread over more than the window are not abuse.
    clock.now = 20_500;
    limiter.take();
    expect(limiter.take()).toMatchObject({ allowed: false, abusive: false });
  });

  test('a rate of 0 turns the limit off', () => {
    const { limiter } = limiterAt(0, 1);
    expect(takeTimes(limiter, 1000).every(Boolean)).toBe(true);
  });
});

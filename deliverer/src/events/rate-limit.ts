import type { RateLimitConfig } from '../config/app.config.js';

/** Refusals are counted over this window to tell a burst from sustained abuse. */
const VIOLATION_WINDOW_MS = 10_000;

export type RateDecision =
  { allowed: true } | { allowed: false; retryAfterMs: number; abusive: boolean };

/**
 * A per-socket token bucket: `burst` events at once, refilled at `perSec`. Past the bucket, each
 * event is refused with the wait until the next token, and a socket refused `disconnectAfter`
 * times within VIOLATION_WINDOW_MS is reported as abusive.
 */
export class EventRateLimiter {
  private tokens: number;
  private refilledAt: number;
  private violations = 0;
  private windowStart = 0;

  constructor(
    private readonly limits: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limits.burst;
    this.refilledAt = now();
  }

  take(): RateDecision {
    const { perSec, burst, disconnectAfter } = this.limits;
    if (perSec === 0) return { allowed: true };
    const now = this.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * perSec) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    if (now - this.windowStart > VIOLATION_WINDOW_MS) {
      this.windowStart = now;
      this.violations = 0;
    }
    this.violations += 1;
    return {
      allowed: false,
      retryAfterMs: Math.ceil(((1 - this.tokens) * 1000) / perSec),
      abusive: this.violations >= disconnectAfter,
    };
  }
}

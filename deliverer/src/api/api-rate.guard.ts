import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from './api.error.js';
import { apiKeyIdOf } from './api-key.guard.js';
import { ApiRateLimiter } from './api-rate.limiter.js';

/**
 * Spends a token of the caller's key before the body is read: a client over its limit costs one
 * Redis round trip, not a parse. Runs after ApiKeyGuard, so only real keys get buckets.
 */
@Injectable()
export class ApiRateGuard implements CanActivate {
  constructor(private readonly limiter: ApiRateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const keyId = apiKeyIdOf(context.switchToHttp().getRequest<Request>());
    if (keyId === undefined) throw new Error('ApiRateGuard must run after ApiKeyGuard');
    const decision = await this.limiter.take(keyId);
    if (!decision.allowed) throw ApiError.rateLimited(decision.retryAfterMs);
    return true;
  }
}

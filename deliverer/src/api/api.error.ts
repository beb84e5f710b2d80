import type { ApiErrorBody, ApiErrorCode } from './api.contract.js';

/** An error the API caller is meant to see: a status, the `{ code, message }` body, headers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    return {
      status: 'error',
      code: this.code,
      message: this.message,
      ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
    };
  }

  static unauthorized(message: string, bearerError?: 'invalid_token'): ApiError {
    // RFC 6750 §3: a missing credential gets the bare challenge, a wrong one names the error.
    const challenge = bearerError
      ? `Bearer realm="deliverer", error="${bearerError}"`
      : 'Bearer realm="deliverer"';
    return new ApiError(401, 'unauthorized', message, { 'WWW-Authenticate': challenge });
  }

  static rateLimited(retryAfterMs: number): ApiError {
    return new ApiError(
      429,
      'rate_limited',
      'too many requests for this API key; retry later',
      // Retry-After counts whole seconds; rounding up never invites a retry that is refused.
      { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
      retryAfterMs,
    );
  }

  static unavailable(message: string): ApiError {
    return new ApiError(503, 'unavailable', message, { 'Retry-After': '1' });
  }
}

import type { ErrorCode, ErrorEnvelope } from './events.contract.js';

/** An error the client is meant to see, as the `{ status: 'error', code, message }` envelope. */
export class DelivererError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DelivererError';
  }

  toEnvelope(): ErrorEnvelope {
    return { status: 'error', code: this.code, message: this.message };
  }
}

import type { ErrorCode } from '../events/events.contract.js';

/** The `result` label of an event: `ok`, or its error code, with `invalid_payload` as `invalid`. */
export function resultOf(code: ErrorCode | string | undefined): string {
  if (code === undefined) return 'ok';
  return code === 'invalid_payload' ? 'invalid' : code;
}

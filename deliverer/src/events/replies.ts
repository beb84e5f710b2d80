import type { ErrorEnvelope } from './events.contract.js';

export type Reply = (response: unknown) => void;

const NO_CLIENT_ACK = Symbol('the client sent no ack');

/**
 * The function a handler and the exception filter answer an event through. It reports the
 * outcome to `settled` (metrics), then acks when the client asked for one; without an ack it is
 * marked, and the filter sends an error as an `error_event` instead.
 */
export function replyFor(ack: Reply | undefined, settled: (response: unknown) => void): Reply {
  if (ack) {
    return (response) => {
      settled(response);
      ack(response);
    };
  }
  return Object.assign((response: unknown) => settled(response), { [NO_CLIENT_ACK]: true });
}

export function clientAwaitsAck(reply: unknown): boolean {
  return typeof reply === 'function' && !(NO_CLIENT_ACK in reply);
}

/** The error code of an answer, or undefined for a success. */
export function errorCodeOf(response: unknown): string | undefined {
  const envelope = response as Partial<ErrorEnvelope> | null | undefined;
  return envelope?.status === 'error' ? envelope.code : undefined;
}

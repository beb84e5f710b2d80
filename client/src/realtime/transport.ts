import type { ClientToServerEvents } from '@contract';

type InputEventAckCallback = NonNullable<Parameters<ClientToServerEvents['input_event']>[1]>;

/** What the server answers to `input_event` (`Ack<{ id }>`), derived from the contract. */
export type InputEventAck = Parameters<InputEventAckCallback>[0];

/** Outbound half of the connection, injected into the store so tests need no server. */
export interface Transport {
  /** Resolves with the server's ack; rejects when no ack arrives (timeout or lost connection). */
  send(payload: { text: string }): Promise<InputEventAck>;
}

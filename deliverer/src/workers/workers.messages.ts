/** IPC between the primary and its workers in worker mode. */
export const WORKER_READY = 'deliverer:ready';
export const WORKER_DRAIN = 'deliverer:drain';
export const METRICS_REQUEST = 'deliverer:metrics?';
export const METRICS_REPLY = 'deliverer:metrics';

export function isMessage(message: unknown, type: string): boolean {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
  );
}

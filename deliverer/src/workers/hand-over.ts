import type { Worker } from 'node:cluster';
import { Socket } from 'node:net';

/**
 * @socket.io/sticky hands a connection to a worker with `worker.send(message, socket)` while the
 * primary's copy of the socket is still reading. Node drops what that copy reads until it closes
 * it after the transfer, so a frame the client sends straight after the upgrade (socket.io's
 * CONNECT, `40`) can vanish and the client waits forever (measured: 2 to 10 of 300 websocket
 * handshakes with two workers). Stopping the primary's reads before the transfer leaves every
 * later byte in the kernel for the worker.
 */
export function stopReadingBeforeHandOver(worker: Worker): void {
  const send = worker.send.bind(worker) as (...args: unknown[]) => boolean;
  (worker as unknown as { send: (...args: unknown[]) => boolean }).send = (...args) => {
    const handle = args[1];
    if (handle instanceof Socket) {
      (handle as unknown as { _handle?: { readStop?: () => number } })._handle?.readStop?.();
    }
    return send(...args);
  };
}

/**
 * One socket.io-client doing sequential `emitWithAck('input_event')`: the inbound path (parse,
 * dispatch, validation, handler, ack) where a framework's per-message cost shows.
 * Runs as a child process, controlled over IPC.
 */
import { io } from 'socket.io-client';
import { serve } from './ipc.mjs';
import { sleep } from './stats.mjs';
import { connected } from './connected.mjs';

const PAD = 'e'.repeat(48);
/** @type {import('socket.io-client').Socket | undefined} */
let socket;

serve({
  /** @param {{ url: string }} args */
  async connect({ url }) {
    socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await connected(socket, 'echo', url);
    return true;
  },

  /**
   * Up to `samples` round trips within `maxMs`; with `minIntervalMs`, no faster than that, so
   * the broadcast every echo causes stays a bounded part of the load.
   * @param {{ samples: number, maxMs: number, minIntervalMs?: number }} args
   */
  async run({ samples, maxMs, minIntervalMs = 0 }) {
    const s = /** @type {import('socket.io-client').Socket} */ (socket);
    /** @type {number[]} */
    const rtts = [];
    let failures = 0;
    /** @type {string | undefined} */
    let firstFailure;
    const started = performance.now();
    for (let i = 0; i < samples && performance.now() - started < maxMs; i++) {
      const t0 = performance.now();
      const text = JSON.stringify({ echo: i, t: performance.timeOrigin + t0, pad: PAD });
      try {
        const res = await s.timeout(2000).emitWithAck('input_event', text);
        if (res?.status === 'ok') rtts.push(performance.now() - t0);
        else {
          failures++;
          firstFailure ??= JSON.stringify(res);
        }
      } catch (err) {
        failures++;
        firstFailure ??= String(err);
      }
      const wait = t0 + minIntervalMs - performance.now();
      // Pacing, not synchronisation: the interval is the load parameter.
      if (wait > 0) await sleep(wait);
    }
    return { rtts, failures, firstFailure, ms: performance.now() - started };
  },

  close() {
    socket?.disconnect();
    socket = undefined;
    return true;
  },
});

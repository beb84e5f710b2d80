/**
 * Emits `input_event` at a set rate over one socket.io-client socket per replica, round-robin,
 * each text carrying a sequence number and the send time, and counts the acks.
 * Runs as a child process, controlled over IPC.
 */
import { io } from 'socket.io-client';
import { serve } from './ipc.mjs';
import { connected } from './connected.mjs';

const ACK_TIMEOUT_MS = 5000;
const PAD = 'x'.repeat(48);

/** @type {import('socket.io-client').Socket[]} */
let sockets = [];
let seq = 0;
/** @type {{ timer?: NodeJS.Timeout, sent: number, acked: number, errors: number, firstError?: string, outstanding: number, firstSeq: number, limit: number, done?: () => void, settled?: () => void } | undefined} */
let session;

const now = () => performance.timeOrigin + performance.now();

function sendOne() {
  const s = /** @type {NonNullable<typeof session>} */ (session);
  const socket = sockets[seq % sockets.length];
  const text = JSON.stringify({ seq, t: now(), pad: PAD });
  seq++;
  s.sent++;
  s.outstanding++;
  socket
    .timeout(ACK_TIMEOUT_MS)
    .emit('input_event', text, (/** @type {Error | null} */ err, /** @type {any} */ res) => {
      s.outstanding--;
      if (!err && res?.status === 'ok') s.acked++;
      else {
        s.errors++;
        s.firstError ??= err ? err.message : JSON.stringify(res);
      }
      if (s.outstanding === 0) s.settled?.();
    });
}

serve({
  /** @param {{ urls: string[] }} args */
  async connect({ urls }) {
    sockets = await Promise.all(
      urls.map((url) =>
        connected(
          io(url, { transports: ['websocket'], forceNew: true, reconnection: false }),
          'publisher',
          url,
        ),
      ),
    );
    return { open: sockets.length };
  },

  /**
   * Starts sending at `rate`/s on a fixed schedule (late sends catch up, so the offered rate
   * holds even when timers slip); stops by itself after `count` when given.
   * @param {{ rate: number, count?: number }} args
   */
  start({ rate, count = Infinity }) {
    if (session?.timer) throw new Error('publisher already running');
    const s = { sent: 0, acked: 0, errors: 0, outstanding: 0, firstSeq: seq, limit: count };
    session = s;
    const interval = 1000 / rate;
    const t0 = performance.now();
    const tick = () => {
      const due = Math.floor((performance.now() - t0) / interval) + 1;
      while (s.sent < due && s.sent < s.limit) sendOne();
      if (s.sent >= s.limit) {
        s.timer = undefined;
        s.done?.();
        return;
      }
      s.timer = setTimeout(tick, Math.max(0, t0 + s.sent * interval - performance.now()));
    };
    tick();
    return { firstSeq: s.firstSeq };
  },

  /** The next seq to be sent: a window boundary. */
  mark() {
    return { seq };
  },

  /** Stops (or, with a count, waits for the last send), then waits for outstanding acks. */
  async stop() {
    const s = session;
    if (!s) throw new Error('publisher not running');
    if (s.limit !== Infinity && s.sent < s.limit)
      await new Promise((resolve) => (s.done = () => resolve(undefined)));
    clearTimeout(s.timer);
    s.timer = undefined;
    if (s.outstanding > 0) await new Promise((resolve) => (s.settled = () => resolve(undefined)));
    session = undefined;
    return {
      sent: s.sent,
      acked: s.acked,
      errors: s.errors,
      firstError: s.firstError,
      firstSeq: s.firstSeq,
      endSeq: s.firstSeq + s.sent,
    };
  },

  close() {
    for (const socket of sockets) socket.disconnect();
    sockets = [];
    return true;
  },
});

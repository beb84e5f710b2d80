/**
 * A few real socket.io-client sockets: they take the path a real client takes (parser, acks,
 * event dispatch), measure delivery latency and detect gaps in the publisher's sequence.
 * Runs as a child process, controlled over IPC.
 */
import { io } from 'socket.io-client';
import { serve } from './ipc.mjs';
import { connected } from './connected.mjs';

/** @type {import('socket.io-client').Socket[]} */
let sockets = [];
let frames = 0;
/** seq -> latencies, one per probe that received it */
let bySeq = new Map();

const now = () => performance.timeOrigin + performance.now();

/** @param {string} url @param {string} localAddress */
function openProbe(url, localAddress) {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    // @ts-expect-error engine.io-client hands Node-only options to ws.
    localAddress,
  });
  socket.on('broadcast_event', (message) => {
    const receivedAt = now();
    frames++;
    let parsed;
    try {
      parsed = JSON.parse(message.text);
    } catch {
      return;
    }
    if (typeof parsed?.seq !== 'number') return;
    const list = bySeq.get(parsed.seq);
    if (list) list.push(receivedAt - parsed.t);
    else bySeq.set(parsed.seq, [receivedAt - parsed.t]);
  });
  return connected(socket, 'probe', url);
}

serve({
  /** @param {{ urls: string[], count: number, addresses: string[] }} args */
  async connect({ urls, count, addresses }) {
    const opened = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        openProbe(urls[i % urls.length], addresses[i % addresses.length]),
      ),
    );
    sockets.push(...opened);
    return { open: sockets.length };
  },

  counters() {
    return { frames, open: sockets.filter((s) => s.connected).length };
  },

  /** Latencies for seqs in [from, to) and how many (probe, seq) deliveries are missing. */
  samples({ from, to }) {
    /** @type {number[]} */
    const latencies = [];
    let received = 0;
    for (const [seq, list] of bySeq) {
      if (seq < from || seq >= to) continue;
      received += list.length;
      latencies.push(...list);
    }
    const expected = (to - from) * sockets.length;
    return { latencies, expected, missing: Math.max(0, expected - received) };
  },

  resetSamples() {
    bySeq = new Map();
    return true;
  },

  close() {
    for (const socket of sockets) socket.disconnect();
    sockets = [];
    frames = 0;
    bySeq = new Map();
    return true;
  },
});

/**
 * Real socket.io-client sockets, reconnecting with the policy they are given (deliverer's client's,
 * or the library's defaults: 1 s delay, 5 s max, randomisation 0.5): the reconnect storm after a
 * replica dies.
 * Runs as a child process, controlled over IPC.
 */
import { io } from 'socket.io-client';
import { serve } from './ipc.mjs';

/** @typedef {{ socket: import('socket.io-client').Socket, downAt?: number, upAt?: number }} Client */
/** @type {Client[]} */
let clients = [];
/** @type {(() => void) | undefined} */
let onChange;

/**
 * @param {string} url @param {string} localAddress
 * @param {Record<string, number>} reconnect @returns {Promise<Client>}
 */
function open(url, localAddress, reconnect) {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    ...reconnect,
    // @ts-expect-error engine.io-client hands Node-only options to ws.
    localAddress,
  });
  /** @type {Client} */
  const client = { socket };
  socket.on('disconnect', () => {
    client.downAt = Date.now();
    client.upAt = undefined;
    onChange?.();
  });
  socket.on('connect', () => {
    if (client.downAt !== undefined) client.upAt = Date.now();
    onChange?.();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`storm: no connection to ${url}`)), 20_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(client);
    });
  });
}

serve({
  /**
   * @param {{ url: string, count: number, inflight: number, addresses: string[],
   *   reconnect?: Record<string, number> }} args
   */
  async connect({ url, count, inflight, addresses, reconnect = {} }) {
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        clients.push(await open(url, addresses[i % addresses.length], reconnect));
      }
    };
    await Promise.all(Array.from({ length: Math.min(inflight, count) }, worker));
    return { open: clients.length, ms: performance.now() - started };
  },

  /**
   * Resolves once every client has dropped after `since` and connected again, or at
   * `timeoutMs`; either way with the per-client figures.
   * @param {{ since: number, timeoutMs: number }} args
   */
  async waitRecovered({ since, timeoutMs }) {
    const recovered = () =>
      clients.every(
        (c) =>
          c.socket.connected && c.downAt !== undefined && c.downAt >= since && c.upAt !== undefined,
      );
    await new Promise((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      function finish() {
        clearTimeout(timer);
        onChange = undefined;
        resolve(undefined);
      }
      onChange = () => recovered() && finish();
      onChange();
    });
    const back = clients.filter(
      (c) => c.socket.connected && c.upAt !== undefined && (c.downAt ?? 0) >= since,
    );
    return {
      clients: clients.length,
      returned: back.length,
      neverReturned: clients.length - back.length,
      lastUpAt: back.length
        ? Math.max(...back.map((c) => /** @type {number} */ (c.upAt)))
        : undefined,
      downtimesMs: back.map(
        (c) => /** @type {number} */ (c.upAt) - /** @type {number} */ (c.downAt),
      ),
    };
  },

  status() {
    return {
      clients: clients.length,
      connected: clients.filter((c) => c.socket.connected).length,
      dropped: clients.filter((c) => c.downAt !== undefined).length,
    };
  },

  close() {
    for (const c of clients) {
      c.socket.removeAllListeners('disconnect');
      c.socket.disconnect();
    }
    clients = [];
    return true;
  },
});

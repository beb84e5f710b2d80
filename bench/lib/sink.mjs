/**
 * Bulk clients that cost almost nothing: raw TCP WebSockets speaking just enough Engine.IO v4 /
 * Socket.IO v5 to join the default namespace and stay connected. A real socket.io-client spends
 * more CPU per received message than the server spends sending it, which would make the
 * generator the bottleneck. Runs as a child process, controlled over IPC.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { serve } from './ipc.mjs';

const BROADCAST = Buffer.from('42["broadcast_event"');
// Client frames must be masked; an all-zero key leaves the payload as is.
const SEND_CONNECT = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30]); // "40"
const SEND_PONG = Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0x33]); // "3"
const WS_PONG = Buffer.from([0x8a, 0x80, 0, 0, 0, 0]);
const SAMPLE_EVERY = 50;
// The publisher's text is JSON inside the broadcast's JSON, hence the escaped quotes.
const SEQ_AND_TIME = /\\"seq\\":(\d+),\\"t\\":([\d.]+)/;
const CONNECT_TIMEOUT_MS = 15_000;

/** @typedef {{ socket: import('node:net').Socket, rest: Buffer | null, upgraded: boolean, closing: boolean }} Conn */

/** @type {Conn[]} */
const conns = [];
let frames = 0;
let sampleCountdown = SAMPLE_EVERY;
let unexpectedCloses = 0;
/** @type {number[]} */
let sampleSeqs = [];
/** @type {number[]} */
let sampleLatencies = [];

const now = () => performance.timeOrigin + performance.now();

/**
 * @param {Conn} conn
 * @param {Buffer} buf
 * @param {number} start
 * @param {number} length
 * @param {number} receivedAt
 * @param {() => void} onJoined
 */
function onText(conn, buf, start, length, receivedAt, onJoined) {
  const first = buf[start];
  if (first === 0x34 /* 4: message */) {
    if (
      length >= BROADCAST.length &&
      BROADCAST.compare(buf, start, start + BROADCAST.length) === 0
    ) {
      frames++;
      if (--sampleCountdown === 0) {
        sampleCountdown = SAMPLE_EVERY;
        const match = SEQ_AND_TIME.exec(buf.toString('utf8', start, start + length));
        if (match) {
          sampleSeqs.push(Number(match[1]));
          sampleLatencies.push(receivedAt - Number(match[2]));
        }
      }
    } else if (buf[start + 1] === 0x30 /* 40: namespace joined */) onJoined();
  } else if (first === 0x32 /* 2: ping */ && length === 1) conn.socket.write(SEND_PONG);
  else if (first === 0x30 /* 0: open */) conn.socket.write(SEND_CONNECT);
}

/** @param {Conn} conn @param {Buffer} chunk @param {() => void} onJoined */
function onFrames(conn, chunk, onJoined) {
  const buf = conn.rest ? Buffer.concat([conn.rest, chunk]) : chunk;
  const receivedAt = now();
  let offset = 0;
  const end = buf.length;
  while (offset + 2 <= end) {
    const opcode = buf[offset] & 0x0f;
    let length = buf[offset + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      if (offset + 4 > end) break;
      length = buf.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (offset + 10 > end) break;
      length = Number(buf.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (offset + header + length > end) break;
    const start = offset + header;
    if (opcode === 1) onText(conn, buf, start, length, receivedAt, onJoined);
    else if (opcode === 9) conn.socket.write(WS_PONG);
    else if (opcode === 8) conn.socket.destroy();
    offset = start + length;
  }
  conn.rest = offset < end ? Buffer.from(buf.subarray(offset)) : null;
}

/**
 * Opens one connection and resolves once the default namespace is joined.
 * @param {number} port
 * @param {string} localAddress
 * @returns {Promise<Conn>}
 */
function open(port, localAddress) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress, noDelay: true });
    /** @type {Conn} */
    const conn = { socket, rest: null, upgraded: false, closing: false };
    let joined = false;
    const timer = setTimeout(
      () => fail(new Error(`no namespace join within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    const fail = (/** @type {Error} */ err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const onJoined = () => {
      if (joined) return;
      joined = true;
      clearTimeout(timer);
      resolve(conn);
    };
    socket.once('connect', () => {
      socket.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
      );
    });
    socket.on('data', (chunk) => {
      if (conn.upgraded) return onFrames(conn, chunk, onJoined);
      const buf = conn.rest ? Buffer.concat([conn.rest, chunk]) : chunk;
      const headerEnd = buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) {
        conn.rest = buf;
        return;
      }
      const status = buf.toString('latin1', 0, buf.indexOf('\r\n'));
      if (!/^HTTP\/1\.1 101/.test(status)) return fail(new Error(`upgrade refused: ${status}`));
      conn.upgraded = true;
      conn.rest = null;
      if (headerEnd + 4 < buf.length) onFrames(conn, buf.subarray(headerEnd + 4), onJoined);
    });
    socket.on('error', (err) => {
      if (!joined) fail(err);
    });
    socket.on('close', () => {
      if (!joined) return fail(new Error('closed before joining'));
      if (!conn.closing) {
        unexpectedCloses++;
        const index = conns.indexOf(conn);
        if (index >= 0) conns.splice(index, 1);
      }
    });
  });
}

serve({
  /**
   * Opens `count` connections, `inflight` at a time, round-robin over `ports` and `addresses`.
   * @param {{ ports: number[], count: number, inflight: number, addresses: string[] }} args
   */
  async connect({ ports, count, inflight, addresses }) {
    const started = performance.now();
    let next = 0;
    let failed = 0;
    /** @type {string[]} */
    const errors = [];
    const worker = async () => {
      while (next < count) {
        const i = next++;
        try {
          conns.push(await open(ports[i % ports.length], addresses[i % addresses.length]));
        } catch (err) {
          failed++;
          if (errors.length < 5) errors.push(String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(inflight, count) }, worker));
    return { connected: count - failed, failed, errors, ms: performance.now() - started };
  },

  /** Resets the newest `count` connections; a reset leaves no TIME_WAIT port behind. */
  async closeLast({ count }) {
    const victims = conns.splice(Math.max(0, conns.length - count), count);
    await Promise.all(
      victims.map(
        (conn) =>
          new Promise((resolve) => {
            conn.closing = true;
            conn.socket.once('close', resolve);
            conn.socket.resetAndDestroy();
          }),
      ),
    );
    return { open: conns.length };
  },

  counters() {
    return { frames, open: conns.length, unexpectedCloses };
  },

  /** Latencies of the sampled frames whose seq lies in [from, to). */
  samples({ from, to }) {
    /** @type {number[]} */
    const latencies = [];
    for (let i = 0; i < sampleSeqs.length; i++) {
      if (sampleSeqs[i] >= from && sampleSeqs[i] < to) latencies.push(sampleLatencies[i]);
    }
    return latencies;
  },

  resetSamples() {
    sampleSeqs = [];
    sampleLatencies = [];
    return true;
  },

  reset() {
    frames = 0;
    unexpectedCloses = 0;
    sampleSeqs = [];
    sampleLatencies = [];
    return true;
  },
});

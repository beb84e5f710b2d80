import { connect as tcpConnect } from 'node:net';
import WebSocket from 'ws';
import { Waiters } from './waiters.js';

/**
 * A raw Engine.IO v4 client, over WebSocket or long-polling, for sending what socket.io-client
 * never would: every frame is written as given, every frame received is kept as text.
 */

/** Engine.IO's packet separator in a polling payload. */
const SEPARATOR = '\x1e';
const OPEN = /^0(\{.*\})$/;
const CONNECTED = /^40(\{"sid":.*\})$/;
/** The server holds a poll for up to pingInterval; this is above any a test sets. */
const POLL_DEADLINE_MS = 60_000;

const opened = new Set<RawSession>();

/** What both transports share: received frames, awaited by pattern, and how the session ended. */
export abstract class RawSession {
  readonly frames: string[] = [];
  /** Server pings answered; the server sends the next one only after our pong. */
  pings = 0;
  /** The Engine.IO session id, from the open packet. */
  engineId = '';
  /** The Socket.IO socket id from the `40{"sid":…}` reply; the gateway logs it. */
  socketId?: string;
  private readonly waiters = new Waiters();
  private ending?: string;

  constructor(readonly label: string) {
    opened.add(this);
  }

  get open(): boolean {
    return this.ending === undefined;
  }

  /** Resolves with the first received frame equal to `expected` (or matching it), past or future. */
  waitForFrame(expected: string | RegExp, timeoutMs = 5000): Promise<string> {
    const matches = (frame: string) =>
      typeof expected === 'string' ? frame === expected : expected.test(frame);
    return this.waitUntil(
      () => this.frames.find(matches),
      `frame ${typeof expected === 'string' ? JSON.stringify(expected.slice(0, 200)) : expected}`,
      timeoutMs,
    );
  }

  /** Resolves once the session has answered `count` pings. */
  waitForPings(count: number, timeoutMs = 5000): Promise<number> {
    return this.waitUntil(
      () => (this.pings >= count ? this.pings : undefined),
      `${count} answered pings`,
      timeoutMs,
    );
  }

  /** Resolves with how the server ended the session (see each transport). */
  waitForEnd(timeoutMs = 5000): Promise<string> {
    return this.waitUntil(() => this.ending, 'the server to end the session', timeoutMs, true);
  }

  abstract send(frame: string): Promise<void>;
  abstract close(): void;

  protected received(frame: string): void {
    if (frame === '2') {
      this.pings++;
      void this.send('3').catch(() => undefined);
    } else this.frames.push(frame);
    this.notify();
  }

  protected end(how: string): void {
    if (this.ending !== undefined) return;
    this.ending = how;
    opened.delete(this);
    this.notify();
  }

  /** Waits for Engine.IO's open packet. */
  protected async opened(timeoutMs: number): Promise<void> {
    const open = await this.waitForFrame(OPEN, timeoutMs);
    this.engineId = (JSON.parse(OPEN.exec(open)![1]!) as { sid: string }).sid;
  }

  /** Joins the main namespace: `40`, then the `40{"sid":…}` reply. */
  protected async join(timeoutMs: number): Promise<void> {
    await this.send('40');
    const reply = await this.waitForFrame(CONNECTED, timeoutMs);
    this.socketId = (JSON.parse(CONNECTED.exec(reply)![1]!) as { sid: string }).sid;
  }

  private waitUntil<T>(
    check: () => T | undefined,
    what: string,
    timeoutMs: number,
    endIsAnswer = false,
  ): Promise<T> {
    return this.waiters.until(check, {
      failure: () =>
        !endIsAnswer && this.ending !== undefined
          ? `${this.describe()} ended (${this.ending}) before ${what}`
          : undefined,
      timeout: () => `${this.describe()}: no ${what} in ${timeoutMs} ms`,
      timeoutMs,
    });
  }

  private describe(): string {
    const tail = this.frames.slice(-5).map((frame) => frame.slice(0, 120));
    return `raw ${this.label} session ${this.socketId ?? this.engineId} (${this.pings} pings, last frames ${JSON.stringify(tail)})`;
  }

  private notify(): void {
    this.waiters.notify();
  }
}

/** Over WebSocket: the session ends with the close frame, as `<code> <reason>`. */
export class RawWebSocket extends RawSession {
  private constructor(readonly ws: WebSocket) {
    super('websocket');
    ws.on('message', (data, isBinary) =>
      this.received(isBinary ? `<binary ${(data as Buffer).length} bytes>` : String(data)),
    );
    ws.on('close', (code, reason) => this.end(`${code} ${String(reason)}`.trim()));
    // A close follows every error; only the close is reported.
    ws.on('error', () => undefined);
  }

  static async open(baseUrl: string, { connect = true, timeoutMs = 5000 } = {}) {
    const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const session = new RawWebSocket(new WebSocket(url));
    await session.opened(timeoutMs);
    if (connect) await session.join(timeoutMs);
    return session;
  }

  send(frame: string | Buffer, options: { fin?: boolean } = {}): Promise<void> {
    return new Promise((resolve, reject) =>
      this.ws.send(frame, options, (err) => (err ? reject(err) : resolve())),
    );
  }

  close(): void {
    this.ws.terminate();
  }
}

export interface HttpReply {
  status: number;
  body: string;
}

/**
 * Over long-polling: one GET is always pending, as engine.io-client keeps one. The session ends
 * with a close packet (`close packet`) or a refused poll (`HTTP <status> <body>`).
 */
export class RawPolling extends RawSession {
  private readonly abort = new AbortController();
  private url: string;

  private constructor(baseUrl: string) {
    super('polling');
    this.url = `${baseUrl}/socket.io/?EIO=4&transport=polling`;
  }

  static async open(baseUrl: string, { connect = true, timeoutMs = 5000 } = {}) {
    const session = new RawPolling(baseUrl);
    const handshake = await httpRequest(session.url, { timeoutMs });
    if (handshake.status !== 200) {
      throw new Error(`polling handshake refused: HTTP ${handshake.status} ${handshake.body}`);
    }
    session.received(handshake.body);
    await session.opened(timeoutMs);
    session.url += `&sid=${encodeURIComponent(session.engineId)}`;
    void session.poll();
    if (connect) await session.join(timeoutMs);
    return session;
  }

  /** POSTs a raw body: the HTTP answer is part of what is under test. */
  post(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<HttpReply> {
    return httpRequest(this.url, { method: 'POST', body, headers });
  }

  async send(frame: string): Promise<void> {
    const reply = await this.post(frame);
    if (reply.status !== 200) throw new Error(`POST ${frame}: HTTP ${reply.status} ${reply.body}`);
  }

  close(): void {
    // An aborted poll makes the server drop the session ("poll connection closed prematurely").
    this.abort.abort();
    this.end('closed by the test');
  }

  private async poll(): Promise<void> {
    while (this.open) {
      const reply = await httpRequest(this.url, {
        signal: this.abort.signal,
        timeoutMs: POLL_DEADLINE_MS,
      }).catch((err: Error) => ({ status: 0, body: err.message }));
      if (!this.open) return;
      if (reply.status !== 200) return this.end(`HTTP ${reply.status} ${reply.body}`);
      for (const packet of reply.body.split(SEPARATOR)) {
        if (packet === '1') return this.end('close packet');
        this.received(packet);
      }
    }
  }
}

/** fetch with a deadline, answering status and text. */
export async function httpRequest(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<HttpReply> {
  const { timeoutMs = 10_000, signal, ...rest } = init;
  const deadline = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, {
    ...rest,
    signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
  });
  return { status: res.status, body: await res.text() };
}

/**
 * Writes `request` on a bare TCP connection and resolves with everything the server sent once it
 * closes the connection: for upgrade requests that must never become a WebSocket.
 */
export function rawHttp(port: number, request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${timeoutMs} ms; got ${response}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(response);
    });
    socket.write(request);
  });
}

/** Closes every raw session still open. */
export function closeAllRaw(): void {
  for (const session of [...opened]) session.close();
}

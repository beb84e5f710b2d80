import { decode } from '@msgpack/msgpack';
import { Logger } from '@nestjs/common';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { Adapter, type BroadcastOptions, MessageType, type Session } from 'socket.io-adapter';
import type { Socket } from 'socket.io';
import { RestoredSessions } from './restored-sessions.js';
import { STREAM_ID, compareStreamIds } from './stream-ids.js';

export interface OrderedStreamsOptions {
  streamName: string;
  channelPrefix: string;
  sessionKeyPrefix: string;
  blockTimeInMs: number;
}

type Packet = { type: number; data: unknown[]; nsp: string };
type EncodedOptions = { rooms: string[]; except: string[]; flags?: BroadcastOptions['flags'] };
type ClusterMessage = {
  uid: string;
  nsp: string;
  type: MessageType;
  data?: { packet: Packet; opts: EncodedOptions; requestId?: string };
};

/** What this module touches on the library's RedisStreamsAdapter, which it does not export. */
interface StreamsAdapter extends Adapter {
  uid: string;
  onMessage(message: ClusterMessage, offset?: string): void;
  publishAndReturnOffset(message: Omit<ClusterMessage, 'uid' | 'nsp'>): Promise<string>;
  addOffsetIfNecessary(packet: Packet, opts: BroadcastOptions, offset: string): void;
}

// How long a restore waits for this replica's reader to reach the client's offset, which another
// replica may already have delivered.
const CATCH_UP_TIMEOUT_MS = 3000;
const RESTORE_MAX_ROUNDS = 50;
const XRANGE_BATCH = 1000;
const PROBE_INTERVAL_MS = 100;

/**
 * @socket.io/redis-streams-adapter with one ordered path per replica.
 *
 * The library delivers a replica's own broadcasts as soon as XADD returns, and everybody else's
 * when its XREAD loop reads them. A session restored meanwhile gets its missed packets from an
 * XRANGE that races that loop: packets read by both are delivered twice, and packets the loop
 * delivered between the XRANGE and the socket joining its rooms are lost (0.3.1, measured: about
 * one 40-client rollout in five lost packets).
 *
 * Here every broadcast, own ones included, reaches local sockets only through the XREAD loop, in
 * stream order, and the loop's position (`cursor`) is known. A restore replays exactly the entries
 * after the client's offset up to the cursor, then returns without yielding to I/O, so socket.io
 * joins the rooms before the loop delivers anything newer: no gap, no overlap.
 */
export class OrderedStreams {
  private readonly logger = new Logger('SessionRecovery');
  private cursor?: string;
  private readonly waiters = new Set<() => void>();
  private probe?: NodeJS.Timeout;
  private readonly restored = new RestoredSessions();
  readonly factory: (nsp: unknown) => Adapter;

  constructor(
    private readonly redis: Redis,
    private readonly options: OrderedStreamsOptions,
  ) {
    const base = createStreamsAdapter(redis, options);
    const patch = (adapter: StreamsAdapter) => this.patch(adapter);
    // socket.io calls the factory with `new`, which an arrow function refuses.
    this.factory = function (nsp: unknown) {
      return patch(base(nsp) as unknown as StreamsAdapter);
    };
  }

  /** Resolves once this replica's reader has delivered an entry, so the cursor is known. */
  ready(adapter: Adapter, timeoutMs: number): Promise<void> {
    const probeRoom = `${this.options.channelPrefix}:probe`;
    const sendProbe = () =>
      void adapter.broadcast(
        { type: 2, data: ['probe'], nsp: '/' },
        { rooms: new Set([probeRoom]), except: new Set() },
      );
    // The reader starts at "$": a probe written before its first XREAD is never seen, so repeat.
    this.probe = setInterval(sendProbe, PROBE_INTERVAL_MS);
    sendProbe();
    return this.until(() => this.cursor !== undefined, timeoutMs, 'stream reader').finally(() =>
      clearInterval(this.probe),
    );
  }

  close(): void {
    clearInterval(this.probe);
  }

  /**
   * Call first on every connection: writes what a recovered socket missed while its handshake
   * middlewares ran. Synchronous, so nothing newer can overtake it.
   */
  onConnection(socket: Socket): void {
    if (!socket.recovered) return;
    const send = (socket as unknown as { packet(packet: { type: number; data: unknown[] }): void })
      .packet;
    for (const data of this.restored.take(socket.id)) send.call(socket, { type: 2, data });
  }

  private patch(adapter: StreamsAdapter): Adapter {
    const deliverLocally = (packet: Packet, opts: BroadcastOptions) =>
      Adapter.prototype.broadcast.call(adapter, packet, opts);
    const onMessage = adapter.onMessage.bind(adapter);

    adapter.broadcast = async (packet: Packet, opts: BroadcastOptions) => {
      if (opts.flags?.local) return deliverLocally(packet, opts);
      try {
        await adapter.publishAndReturnOffset({
          type: MessageType.BROADCAST,
          data: { packet, opts: encodeOptions(opts) },
        });
      } catch {
        // Redis refused the write; this replica's clients still get the packet.
        deliverLocally(packet, opts);
      }
    };

    adapter.onMessage = (message: ClusterMessage, offset?: string) => {
      const ownBroadcast =
        message.uid === adapter.uid &&
        message.type === MessageType.BROADCAST &&
        message.data?.requestId === undefined;
      if (ownBroadcast && offset && message.data) {
        const opts = decodeOptions(message.data.opts);
        adapter.addOffsetIfNecessary(message.data.packet, opts, offset);
        deliverLocally(message.data.packet, opts);
      } else {
        onMessage(message, offset);
      }
      const delivered =
        message.type === MessageType.BROADCAST &&
        message.nsp === adapter.nsp.name &&
        message.data?.requestId === undefined;
      if (delivered && this.restored.size > 0 && message.data) {
        // The library has appended the offset to the packet's data by now.
        this.restored.capture(adapter, message.data.packet.data, decodeOptions(message.data.opts));
      }
      if (offset) this.advance(offset);
    };

    adapter.restoreSession = (pid: string, offset: string) =>
      this.restore(adapter, pid, offset).then(
        (session) => {
          this.restored.expect(session.sid);
          return session;
        },
        (err: Error) => {
          // socket.io turns a failed restore into a new session silently; say why once here.
          this.logger.warn({ offset, reason: err.message }, 'session not recovered');
          throw err;
        },
      );
    return adapter;
  }

  private advance(offset: string): void {
    if (this.cursor === undefined || compareStreamIds(offset, this.cursor) > 0)
      this.cursor = offset;
    for (const waiter of [...this.waiters]) waiter();
  }

  private async restore(adapter: StreamsAdapter, pid: string, offset: string): Promise<Session> {
    if (!STREAM_ID.test(offset)) throw new Error('invalid offset');
    const { streamName, sessionKeyPrefix } = this.options;
    const sessionKey = sessionKeyPrefix + pid;
    const [[, raw], anchor] = await Promise.all([
      this.redis.multi().get(sessionKey).del(sessionKey).exec() as Promise<
        [[Error | null, string | null]]
      >,
      this.redis.xrange(streamName, offset, offset),
    ]).then(([results, range]) => [results[0], range] as const);
    // A trimmed offset means packets are gone: a partial restore would hide the gap.
    if (!raw || anchor.length === 0) throw new Error('session or offset not found');
    const session = decode(Buffer.from(raw, 'base64')) as Session;

    await this.until(
      () => this.cursor !== undefined && compareStreamIds(this.cursor, offset) >= 0,
      CATCH_UP_TIMEOUT_MS,
      'stream reader to reach the client offset',
    );
    const missed: unknown[][] = [];
    let end = offset;
    for (let round = 0; ; round++) {
      const target = this.cursor!;
      if (compareStreamIds(end, target) >= 0) break;
      if (round === RESTORE_MAX_ROUNDS) throw new Error('stream did not settle during restore');
      const entries = await this.redis.xrange(streamName, `(${end}`, target, 'COUNT', XRANGE_BATCH);
      for (const [id, fields] of entries) {
        const packet = missedPacket(adapter, session.rooms, fieldsToObject(fields), id);
        if (packet) missed.push(packet);
        end = id;
      }
      if (entries.length < XRANGE_BATCH) end = target;
    }
    // No await after the last check: socket.io joins the rooms before the reader runs again.
    session.missedPackets = missed;
    return session;
  }

  private until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (!check()) return;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out waiting for the ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

function fieldsToObject(fields: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) result[fields[i]!] = fields[i + 1]!;
  return result;
}

/** The packet data a restored socket must get for this stream entry, with its offset appended. */
function missedPacket(
  adapter: StreamsAdapter,
  rooms: string[],
  entry: Record<string, string>,
  id: string,
): unknown[] | undefined {
  if (
    entry.nsp !== adapter.nsp.name ||
    entry.type !== String(MessageType.BROADCAST) ||
    !entry.data
  ) {
    return undefined;
  }
  const data = (
    entry.data.startsWith('{') ? JSON.parse(entry.data) : decode(Buffer.from(entry.data, 'base64'))
  ) as NonNullable<ClusterMessage['data']>;
  if (data.requestId !== undefined) return undefined;
  const { packet, opts } = data;
  const included = opts.rooms.length === 0 || rooms.some((room) => opts.rooms.includes(room));
  const excluded = rooms.some((room) => opts.except.includes(room));
  if (!included || excluded) return undefined;
  return [...packet.data, id];
}

function encodeOptions(opts: BroadcastOptions): EncodedOptions {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags };
}

function decodeOptions(opts: EncodedOptions): BroadcastOptions {
  return { rooms: new Set(opts.rooms), except: new Set(opts.except), flags: opts.flags };
}

import type { Adapter, BroadcastOptions } from 'socket.io-adapter';

interface Pending {
  since: number;
  packets: unknown[][];
}

// Longer than any handshake middleware may take (JWKS fetches time out after 5 s).
const PENDING_TTL_MS = 60_000;
// A socket that misses this many packets before it connects is better off with a fresh session.
const MAX_PENDING_PACKETS = 10_000;

/**
 * Holds the broadcasts a recovered socket must get between its restore and its connection.
 *
 * socket.io joins a restored socket's rooms as soon as the session is restored, but adds the socket
 * to the namespace only after the handshake middlewares (authentication) have run, and the adapter
 * delivers only to sockets of the namespace. An asynchronous middleware lets the stream reader
 * deliver packets in between, which that socket would silently miss. They are kept here, in stream
 * order, and written to the socket when it connects, before anything newer.
 */
export class RestoredSessions {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number = Date.now) {}

  expect(sid: string): void {
    const now = this.now();
    for (const [id, entry] of this.pending) {
      if (now - entry.since > PENDING_TTL_MS) this.pending.delete(id);
    }
    this.pending.set(sid, { since: now, packets: [] });
  }

  /** Records a packet just delivered locally for every restored socket that was not yet there. */
  capture(adapter: Adapter, data: unknown[], opts: BroadcastOptions): void {
    for (const [sid, entry] of this.pending) {
      const rooms = adapter.sids.get(sid);
      // Refused by a middleware (its rooms are gone), or connected without a flush.
      if (!rooms || adapter.nsp.sockets.has(sid)) {
        this.pending.delete(sid);
        continue;
      }
      const included = opts.rooms.size === 0 || [...opts.rooms].some((room) => rooms.has(room));
      const excluded = [...(opts.except ?? [])].some((room) => rooms.has(room));
      if (!included || excluded) continue;
      if (entry.packets.length >= MAX_PENDING_PACKETS) this.pending.delete(sid);
      else entry.packets.push([...data]);
    }
  }

  /** The packets to write to a socket that has just connected, oldest first. */
  take(sid: string): unknown[][] {
    const entry = this.pending.get(sid);
    this.pending.delete(sid);
    return entry?.packets ?? [];
  }

  get size(): number {
    return this.pending.size;
  }
}

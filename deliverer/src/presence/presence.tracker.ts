import { randomBytes } from 'node:crypto';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { AppConfig } from '../config/app.config.js';
import { DelivererError } from '../events/deliverer.error.js';
import type { PresenceEvent, PresenceMember } from '../events/events.contract.js';
import type { DelivererServer, DelivererSocket } from '../events/events.types.js';
import { identityOf } from '../events/identity.js';
import { joinedRooms, roomKey } from '../events/rooms.js';
import { withDeadline } from '../fanout/redis-clients.js';
import { RedisLink } from '../fanout/redis-link.js';
import { LocalPresenceStore } from './local-presence.store.js';
import type { PresenceStore } from './presence.store.js';
import { RedisPresenceStore } from './redis-presence.store.js';

// Acks wait at most this long for Redis; ioredis would queue the command until it reconnects.
const STORE_DEADLINE_MS = 2000;
// Failed writes kept for the next tick; past this a long outage is healed by the re-announce.
const MAX_RETRIES = 10_000;
// Disconnects after which socket.io may restore the session (socket.io RECOVERABLE_DISCONNECT_REASONS).
const RECOVERABLE = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'server shutting down',
  'forced server close',
]);

/**
 * Who is in which room, across the cluster, and the `presence_event`s that say so.
 *
 * Every process incarnation (`instance`) vouches for the members it serves with a heartbeat key;
 * when a replica dies without a word, the others find its heartbeat gone and announce its members'
 * departure within PRESENCE_TTL_MS. A member whose session may be recovered (a drain hands it to
 * another replica) stays, detached, for PRESENCE_TTL_MS: a recovery in time is no leave and join.
 */
@WebSocketGateway()
export class PresenceTracker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Presence');
  private readonly instance: string;
  /** The rooms of local sockets that are in presence: socket.rooms is empty by `disconnect`. */
  private readonly local = new Map<string, Set<string>>();
  private retries: (() => Promise<unknown>)[] = [];
  private store: PresenceStore = new LocalPresenceStore();
  private timer?: NodeJS.Timeout;
  private ticking = false;

  @WebSocketServer()
  private readonly server: DelivererServer;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisLink,
  ) {
    // Per process, not per pod: a container restarted in place keeps its POD_NAME.
    this.instance = `${config.nodeName}:${randomBytes(4).toString('hex')}`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const link = this.redis.current;
    if (!link) return;
    const ttl = this.config.presenceTtlMs;
    // Alive for 2/3 of the TTL and checked every 1/6: a crash is announced within 5/6 of the
    // TTL, and a heartbeat survives three missed beats.
    this.store = new RedisPresenceStore(link.client, link.keyPrefix, Math.round((ttl * 2) / 3));
    this.timer = setInterval(() => void this.tick(), Math.round(ttl / 6)).unref();
    await this.tick();
  }

  onApplicationShutdown(): void {
    // Not on module destroy: the drain runs after it and still hands members over.
    clearInterval(this.timer);
  }

  async joined(socket: DelivererSocket, room: string): Promise<void> {
    await this.bounded(this.enter(socket, room));
    this.roomsOf(socket.id).add(room);
  }

  /** Never fails: the socket has left either way, and a failed write is retried. */
  async left(socket: DelivererSocket, room: string): Promise<void> {
    this.local.get(socket.id)?.delete(room);
    await this.attempt(async () => {
      const member = await this.store.remove(room, socket.id);
      if (member) this.announce({ room, type: 'leave', member });
    });
  }

  async renamed(socket: DelivererSocket): Promise<void> {
    const rooms = [...(this.local.get(socket.id) ?? [])];
    await Promise.all(
      rooms.map((room) => this.attempt(() => this.enter(socket, room, { announceUpdate: true }))),
    );
  }

  async list(room: string): Promise<PresenceMember[]> {
    const members = await this.bounded(this.store.list(room, Date.now()));
    return members.sort((a, b) => a.joinedAt - b.joinedAt || a.socketId.localeCompare(b.socketId));
  }

  /** A recovered socket is back in its rooms: it takes its entries over, silently if they stayed. */
  connected(socket: DelivererSocket): void {
    if (!socket.recovered) return;
    for (const room of joinedRooms(socket)) {
      this.roomsOf(socket.id).add(room);
      void this.attempt(() => this.enter(socket, room));
    }
  }

  disconnected(socket: DelivererSocket, reason: string): void {
    const rooms = this.local.get(socket.id);
    if (!rooms) return;
    this.local.delete(socket.id);
    const recoverable = this.config.adapter === 'redis-streams' && RECOVERABLE.has(reason);
    for (const room of rooms) {
      void this.attempt(async () => {
        if (recoverable) {
          await this.store.detach(
            room,
            socket.id,
            this.instance,
            Date.now() + this.config.presenceTtlMs,
          );
          return;
        }
        const member = await this.store.remove(room, socket.id, this.instance);
        if (member) this.announce({ room, type: 'leave', member });
      });
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const known = await this.bounded(this.store.heartbeat(this.instance));
      if (!known) await this.reannounce();
      const gone = await this.bounded(this.store.reap(this.instance, Date.now()));
      for (const { room, member } of gone) this.announce({ room, type: 'leave', member });
      await this.retry();
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'presence tick failed');
    } finally {
      this.ticking = false;
    }
  }

  /** The store forgot this instance (a stall past the TTL, a Redis restart): its members return. */
  private async reannounce(): Promise<void> {
    const sockets = this.server.of('/').sockets;
    for (const [socketId, rooms] of this.local) {
      const socket = sockets.get(socketId);
      if (!socket) continue;
      for (const room of rooms) await this.bounded(this.enter(socket, room));
    }
  }

  private async retry(): Promise<void> {
    const pending = this.retries;
    this.retries = [];
    await Promise.all(pending.map((write) => this.attempt(write)));
  }

  /** Runs a write whose failure no client should see; it is retried on the next tick. */
  private async attempt(write: () => Promise<unknown>): Promise<void> {
    try {
      await this.bounded(write());
    } catch (err) {
      if (this.retries.length < MAX_RETRIES) this.retries.push(write);
      this.logger.debug({ err: (err as Error).message }, 'presence write failed; retrying');
    }
  }

  /** Puts the socket's entry; a new one is a join, and with `announceUpdate` a known one an update. */
  private async enter(socket: DelivererSocket, room: string, { announceUpdate = false } = {}) {
    const { created, member } = await this.store.put(room, this.entryOf(socket));
    if (created) this.announce({ room, type: 'join', member });
    else if (announceUpdate) this.announce({ room, type: 'update', member });
  }

  private announce(event: PresenceEvent): void {
    this.server.to(roomKey(event.room)).emit('presence_event', event);
  }

  private entryOf(socket: DelivererSocket) {
    return {
      socketId: socket.id,
      ...identityOf(socket),
      node: this.config.nodeName,
      joinedAt: Date.now(),
      instance: this.instance,
    };
  }

  private roomsOf(socketId: string): Set<string> {
    let rooms = this.local.get(socketId);
    if (!rooms) this.local.set(socketId, (rooms = new Set()));
    return rooms;
  }

  private async bounded<T>(promise: Promise<T>): Promise<T> {
    try {
      return await withDeadline(promise, STORE_DEADLINE_MS, 'presence store');
    } catch (err) {
      throw new DelivererError('unavailable', `presence is unavailable: ${(err as Error).message}`);
    }
  }
}

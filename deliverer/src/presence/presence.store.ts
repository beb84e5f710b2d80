import type { PresenceMember } from '../events/events.contract.js';

/** A member as stored: the public fields plus who vouches for it. */
export interface PresenceEntry extends PresenceMember {
  /** The process incarnation serving the socket; its heartbeat keeps the entry alive. */
  instance: string;
  /**
   * Set when the socket disconnected in a way its session may be recovered from, on any replica:
   * the entry stays until then, so a recovery elsewhere is not announced as a leave and a join.
   */
  detachedUntil?: number;
}

export interface Departure {
  room: string;
  member: PresenceMember;
}

/** Where presence lives: in this process, or in Redis for the whole cluster. */
export interface PresenceStore {
  /** Stores the entry, keeping the first `joinedAt`; `created` is false when it was there already. */
  put(room: string, entry: PresenceEntry): Promise<{ created: boolean; member: PresenceMember }>;
  /** Removes the entry, if `owner` is given only while that instance still serves it. */
  remove(room: string, socketId: string, owner?: string): Promise<PresenceMember | undefined>;
  /** Marks the entry detached until `until`, if `owner` still serves it. */
  detach(room: string, socketId: string, owner: string, until: number): Promise<void>;
  /** The members served by a live instance, or detached and not yet expired. */
  list(room: string, now: number): Promise<PresenceMember[]>;
  /** Keeps `instance` alive; false when the store had forgotten it (its entries may be gone). */
  heartbeat(instance: string): Promise<boolean>;
  /** Removes what dead instances left and what stayed detached too long; each once, cluster-wide. */
  reap(self: string, now: number): Promise<Departure[]>;
}

/** The public part of an entry: what clients see. */
export function memberOf({ instance: _i, detachedUntil: _d, ...member }: PresenceEntry) {
  return member satisfies PresenceMember;
}

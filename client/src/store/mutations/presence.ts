import type { PresenceEvent, PresenceMember } from '@contract';
import type { RoomPresence, State } from '../state';

/** Sequence numbers are per store, so a fresh entry ignores answers to requests made before it. */
function emptyPresence(seq: number): RoomPresence {
  return {
    members: {},
    loaded: false,
    stale: false,
    requested: seq,
    answered: seq - 1,
    buffered: [],
  };
}

function apply(presence: RoomPresence, { type, member }: PresenceEvent) {
  if (type === 'leave') delete presence.members[member.socketId];
  else presence.members[member.socketId] = member;
}

/** Events newer than the settled request stay buffered for the answers still to come. */
function settle(presence: RoomPresence, seq: number) {
  presence.answered = seq;
  presence.buffered = presence.buffered.filter(({ after }) => after > seq);
}

export const presenceMutations = {
  presenceListRequested(state: State, request: { room: string; seq: number }) {
    const presence = (state.presence[request.room] ??= emptyPresence(request.seq));
    presence.requested = request.seq;
  },

  presenceListed(state: State, answer: { room: string; seq: number; members: PresenceMember[] }) {
    const presence = state.presence[answer.room];
    if (!presence || answer.seq <= presence.answered) return;
    presence.members = Object.fromEntries(answer.members.map((m) => [m.socketId, m]));
    // The list may have been read before these events happened: replay them on top of it.
    for (const { after, event } of presence.buffered) {
      if (after >= answer.seq) apply(presence, event);
    }
    settle(presence, answer.seq);
    presence.loaded = true;
    presence.stale = false;
  },

  /** Keeps the last list, which the live events keep patching; the next event re-lists. */
  presenceListFailed(state: State, failure: { room: string; seq: number }) {
    const presence = state.presence[failure.room];
    if (!presence || failure.seq <= presence.answered) return;
    settle(presence, failure.seq);
    presence.stale = true;
  },

  presenceEventReceived(state: State, event: PresenceEvent) {
    // Not joined any more, or not listed yet: the list requested after the join covers it.
    const presence = state.presence[event.room];
    if (!presence) return;
    // Applied at once so the list stays live, and again on top of any list answer still due.
    apply(presence, event);
    if (presence.requested > presence.answered) {
      presence.buffered.push({ after: presence.requested, event });
    }
  },
};

import type { ActionContext, ActionTree, Dispatch } from 'vuex';
import { newClientMsgId } from '../realtime/client-msg-id';
import { ConnectionClosedError, type Transport } from '../realtime/transport';
import { typedCommit } from './mutations';
import { createRoomActions } from './room-actions';
import { LOBBY, type State, type UnconfirmedSend } from './state';

export const SEND_TIMEOUT_MESSAGE =
  'The server did not confirm the message after several attempts. Please try again.';
export const SEND_CLOSED_MESSAGE =
  'The connection closed before the server confirmed the message. It may not have been sent.';
export const OFFLINE_MESSAGE = 'You are offline, so the message was not sent.';
export const PROFILE_TIMEOUT_MESSAGE = 'The server did not confirm the name. Please try again.';
export const PROFILE_OFFLINE_MESSAGE = 'You are offline, so the name was not saved.';

type Context = ActionContext<State, State>;

/**
 * The idempotency key for sending `text` to `room`: the one of the previous attempt when that
 * attempt ended without a verdict and text and room are unchanged, so the server dedupes if it got
 * it after all; otherwise a new one. Never reused for anything else, which the server would drop.
 */
function clientMsgIdFor(state: State, text: string, room: string | undefined): string {
  const { lastSend } = state;
  const unconfirmed = lastSend.status === 'error' ? lastSend.unconfirmed : null;
  if (unconfirmed?.text === text && unconfirmed.room === room) return unconfirmed.clientMsgId;
  return newClientMsgId();
}

export function createActions(transport: Transport) {
  return {
    /**
     * Resolves true once the server acknowledged the message, so the form can clear itself.
     * One send at a time; socket.io queues it while the connection is down and re-sends it after
     * the reconnect, so only 'offline' (socket.io gave up) refuses it.
     */
    async send(context: Context, text: string): Promise<boolean> {
      const { state } = context;
      const commit = typedCommit(context.commit);
      const trimmed = text.trim();
      if (!trimmed || state.lastSend.status === 'pending') return false;
      if (state.connection.status === 'offline') {
        commit('sendFailed', { message: OFFLINE_MESSAGE });
        return false;
      }

      // The lobby is the absence of a room, on the wire as in the dedupe check.
      const room = state.rooms.current === LOBBY ? undefined : state.rooms.current;
      const payload: UnconfirmedSend = {
        text: trimmed,
        clientMsgId: clientMsgIdFor(state, trimmed, room),
        ...(room !== undefined && { room }),
      };
      commit('sendStarted', payload);
      try {
        const ack = await transport.send(payload);
        if (ack.status === 'ok') {
          commit('sendSucceeded', ack.id);
          return true;
        }
        // A verdict: the server refused the message, so nothing is left to dedupe.
        commit('sendFailed', { message: ack.message });
        return false;
      } catch (error) {
        // No ack after every retry, or the socket closed: the server may have the message.
        commit('sendFailed', {
          message:
            error instanceof ConnectionClosedError ? SEND_CLOSED_MESSAGE : SEND_TIMEOUT_MESSAGE,
          unconfirmed: payload,
        });
        return false;
      }
    },

    /** Resolves true once the server stored the name; the form shows the error otherwise. */
    async setProfile(context: Context, name: string): Promise<boolean> {
      const { state } = context;
      const commit = typedCommit(context.commit);
      const trimmed = name.trim();
      if (!trimmed || state.profile.saving) return false;
      if (state.connection.status === 'offline') {
        commit('profileFailed', PROFILE_OFFLINE_MESSAGE);
        return false;
      }

      commit('profileSaving');
      try {
        const ack = await transport.setProfile({ name: trimmed });
        if (ack.status === 'ok') {
          commit('profileSaved', ack.name);
          return true;
        }
        commit('profileFailed', ack.message);
        return false;
      } catch {
        commit('profileFailed', PROFILE_TIMEOUT_MESSAGE);
        return false;
      }
    },

    /** Presents a token; resolves with the server's verdict when the socket was connected. */
    async signIn(context: Context, token: string): Promise<boolean> {
      const trimmed = token.trim();
      if (!trimmed) return false;
      try {
        const ack = await transport.signIn(trimmed);
        if (ack.status === 'ok') return true;
        typedCommit(context.commit)('connectFailed', {
          message: ack.message,
          willReconnect: true,
          unauthorized: true,
        });
        return false;
      } catch {
        return false;
      }
    },

    dismissServerError(context: Context): void {
      typedCommit(context.commit)('serverErrorDismissed');
    },

    ...createRoomActions(transport),
  } satisfies ActionTree<State, State>;
}

type Actions = ReturnType<typeof createActions>;
type ActionArgs<A> = A extends (context: Context, ...args: infer P) => unknown ? P : never;
type ActionResult<A> = A extends (...args: never[]) => infer R ? Awaited<R> : never;

/** `store.dispatch` with the payload and result types checked against the action name. */
export type TypedDispatch = <K extends keyof Actions>(
  type: K,
  ...args: ActionArgs<Actions[K]>
) => Promise<ActionResult<Actions[K]>>;

/** Vuex types dispatch as (string, any); this narrows it where it is handed to the connection. */
export function typedDispatch(dispatch: Dispatch): TypedDispatch {
  return dispatch as TypedDispatch;
}

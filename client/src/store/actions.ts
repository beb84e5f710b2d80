import type { ActionContext, ActionTree } from 'vuex';
import type { Transport } from '../realtime/transport';
import { typedCommit } from './mutations';
import type { State } from './state';

export const SEND_TIMEOUT_MESSAGE = 'The server did not answer in time. Please try again.';
export const OFFLINE_MESSAGE = 'You are not connected, so the message was not sent.';

type Context = ActionContext<State, State>;

export function createActions(transport: Transport) {
  return {
    /** Resolves true once the server acknowledged the message, so the form can clear itself. */
    async send(context: Context, text: string): Promise<boolean> {
      const { state } = context;
      const commit = typedCommit(context.commit);
      const trimmed = text.trim();
      if (!trimmed || state.lastSend.status === 'pending') return false;
      if (state.connection.status !== 'connected') {
        commit('sendFailed', OFFLINE_MESSAGE);
        return false;
      }

      commit('sendStarted');
      try {
        const ack = await transport.send({ text: trimmed });
        if (ack.status === 'ok') {
          commit('sendSucceeded', ack.id);
          return true;
        }
        commit('sendFailed', ack.message);
        return false;
      } catch {
        // The transport rejects only when no ack arrived (timeout, or the connection dropped first).
        commit('sendFailed', SEND_TIMEOUT_MESSAGE);
        return false;
      }
    },

    dismissServerError(context: Context): void {
      typedCommit(context.commit)('serverErrorDismissed');
    },
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

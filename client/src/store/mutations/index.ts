import type { Commit, MutationTree } from 'vuex';
import type { State } from '../state';
import { connectionMutations } from './connection';
import { messageMutations } from './messages';
import { presenceMutations } from './presence';
import { profileMutations } from './profile';
import { roomMutations } from './rooms';
import { sendMutations } from './send';
import { serverErrorMutations } from './server-error';

export const mutations = {
  ...connectionMutations,
  ...messageMutations,
  ...presenceMutations,
  ...profileMutations,
  ...roomMutations,
  ...sendMutations,
  ...serverErrorMutations,
} satisfies MutationTree<State>;

type Mutations = typeof mutations;
type PayloadArgs<M> = M extends (state: State, ...payload: infer P) => void ? P : never;

/** `store.commit` with the payload type checked against the mutation name. */
export type TypedCommit = <K extends keyof Mutations>(
  type: K,
  ...payload: PayloadArgs<Mutations[K]>
) => void;

/** Vuex types commit as (string, any); this narrows it at the one place it is handed out. */
export function typedCommit(commit: Commit): TypedCommit {
  return commit as TypedCommit;
}

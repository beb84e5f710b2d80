import type { InjectionKey } from 'vue';
import { createStore, useStore as baseUseStore, type Store } from 'vuex';
import type { Transport } from '../realtime/transport';
import { createActions, type TypedDispatch } from './actions';
import { mutations, type TypedCommit } from './mutations';
import { createInitialState, type State } from './state';

export type { State } from './state';

export const key: InjectionKey<Store<State>> = Symbol('store');

/** The store as components see it: typed commit and dispatch instead of Vuex's string-any ones. */
export type AppStore = Omit<Store<State>, 'commit' | 'dispatch'> & {
  commit: TypedCommit;
  dispatch: TypedDispatch;
};

export function createAppStore(transport: Transport, initialState: State = createInitialState()) {
  return createStore<State>({
    state: initialState,
    mutations,
    actions: createActions(transport),
    strict: import.meta.env.DEV,
  });
}

export function useStore(): AppStore {
  // Only the commit/dispatch signatures differ, and those are narrowed from Vuex's (string, any).
  return baseUseStore(key) as AppStore;
}

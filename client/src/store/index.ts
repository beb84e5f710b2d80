import type { InjectionKey } from 'vue';
import { createStore, useStore as baseUseStore, type Store } from 'vuex';
import type { Transport } from '../realtime/transport';
import { createActions, type TypedDispatch } from './actions';
import { mutations, type TypedCommit } from './mutations';
import { browserStorage, loadRooms, persistRooms } from './persistence';
import { createInitialState, type State } from './state';

export type { State } from './state';

export const key: InjectionKey<Store<State>> = Symbol('store');

/** The store as components see it: typed commit and dispatch instead of Vuex's string-any ones. */
export type AppStore = Omit<Store<State>, 'commit' | 'dispatch'> & {
  commit: TypedCommit;
  dispatch: TypedDispatch;
};

/** The joined rooms and the current one are restored from `storage` and written back to it. */
export function createAppStore(
  transport: Transport,
  storage: Storage | undefined = browserStorage(),
) {
  return createStore<State>({
    state: createInitialState(loadRooms(storage)),
    mutations,
    actions: createActions(transport),
    plugins: [persistRooms(storage)],
    strict: import.meta.env.DEV,
  });
}

export function useStore(): AppStore {
  // Only the commit/dispatch signatures differ, and those are narrowed from Vuex's (string, any).
  return baseUseStore(key) as AppStore;
}

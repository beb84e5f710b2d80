import { vi } from 'vitest';
import type { AppSocket } from '../src/realtime/connection';

type Listener = (...args: never[]) => void;

class FakeEmitter {
  private readonly listeners = new Map<string, Set<Listener>>();

  on(event: string, listener: Listener) {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return this;
  }

  off(event: string, listener: Listener) {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  /** Plays the part of the server or the manager. */
  fire(event: string, ...args: unknown[]) {
    for (const listener of this.listeners.get(event) ?? []) {
      (listener as (...values: unknown[]) => void)(...args);
    }
  }

  listenerCount(): number {
    return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }
}

/** Just enough of a socket.io-client Socket for the connection module, with no network. */
export function createFakeSocket() {
  const emitWithAck = vi.fn();
  const fake = Object.assign(new FakeEmitter(), {
    io: new FakeEmitter(),
    id: undefined as string | undefined,
    active: true,
    connect: vi.fn(),
    disconnect: vi.fn(),
    emitWithAck,
    timeout: vi.fn(() => ({ emitWithAck })),
  });
  return { fake, socket: fake as unknown as AppSocket };
}

import type { SendHandle } from 'node:child_process';

/**
 * The primary starts routing connections to a (replacement) worker as soon as it is forked, long
 * before Nest is up and @socket.io/sticky listens for them; without this they would be dropped and
 * the clients would hang. Holds those messages and replays them once the worker is ready.
 */
export function holdEarlyConnections(): () => void {
  const held: [unknown, SendHandle][] = [];
  const hold = (message: unknown, handle: SendHandle) => held.push([message, handle]);
  process.on('message', hold);
  return () => {
    process.off('message', hold);
    for (const [message, handle] of held.splice(0)) process.emit('message', message, handle);
  };
}

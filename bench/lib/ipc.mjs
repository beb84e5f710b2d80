/**
 * A minimal request/response protocol over Node's IPC channel, shared by the load-generator
 * children and the server probe, so the orchestrator talks to every process the same way.
 */

/**
 * Child side: answers `{id, method, args}` with `{id, result}` or `{id, error}`.
 * @param {Record<string, (args: any) => unknown>} handlers
 */
export function serve(handlers) {
  process.on('message', async (message) => {
    if (!message || typeof message !== 'object' || !('id' in message)) return;
    const { id, method, args } = message;
    const handler = handlers[method];
    if (!handler) return;
    try {
      const result = await handler(args ?? {});
      process.send?.({ id, result });
    } catch (err) {
      process.send?.({
        id,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  });
  // An orphaned load generator would keep hammering whatever listens on the port next.
  process.on('disconnect', () => process.exit(0));
  // Messages that arrive before a listener exists are dropped, so the parent waits for this.
  process.send?.({ ready: true });
}

/**
 * Parent side: `call(method, args)` resolves with the child's result.
 * @param {import('node:child_process').ChildProcess} child
 * @param {string} name used in error messages
 */
export function client(child, name) {
  let nextId = 1;
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void, timer: NodeJS.Timeout}>} */
  const pending = new Map();
  /** @type {(value?: unknown) => void} */
  let markReady = () => undefined;
  /** @type {(err: Error) => void} */
  let markFailed = () => undefined;
  const ready = new Promise((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  // Whoever awaits `ready` sees the failure; nobody awaiting it is not a crash.
  ready.catch(() => undefined);
  child.on('message', (message) => {
    if (message?.ready === true) return markReady();
    const entry = pending.get(message?.id);
    if (!entry) return;
    pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.error !== undefined) entry.reject(new Error(`${name}: ${message.error}`));
    else entry.resolve(message.result);
  });
  child.once('exit', (code, signal) => {
    markFailed(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
    for (const entry of pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
    }
    pending.clear();
  });
  return {
    /** Resolves once the child listens for calls. */
    ready,
    /**
     * @param {string} method
     * @param {object} [args]
     * @param {number} [timeoutMs]
     * @returns {Promise<any>}
     */
    call(method, args = {}, timeoutMs = 60_000) {
      return ready.then(
        () =>
          new Promise((resolve, reject) => {
            if (!child.connected) {
              reject(new Error(`${name}: not running, cannot call ${method}`));
              return;
            }
            const id = nextId++;
            const timer = setTimeout(() => {
              pending.delete(id);
              reject(new Error(`${name}: ${method} did not answer within ${timeoutMs} ms`));
            }, timeoutMs);
            pending.set(id, { resolve, reject, timer });
            child.send({ id, method, args });
          }),
      );
    },
  };
}

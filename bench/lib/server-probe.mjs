/**
 * Preloaded with `node --expose-gc --import` into both the baseline and deliverer, so both are
 * measured by the same code and deliverer's source stays untouched. Answers over IPC only.
 */
import { Socket } from 'node:net';
import { serve } from './ipc.mjs';

const port = Number(process.env.PORT);

serve({
  probe({ gc = false }) {
    // Twice: the first full GC can leave garbage that only becomes collectable afterwards (weak refs, finalizers).
    if (gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      cpuUser: cpu.user / 1e6,
      cpuSystem: cpu.system / 1e6,
      clientSockets: clientSockets(),
    };
  },
});

/** Accepted TCP connections on the service port: tells when disconnects have been processed. */
function clientSockets() {
  // Undocumented but stable since Node 0.x; the only way to see sockets without touching the app.
  const handles =
    /** @type {{ _getActiveHandles?: () => unknown[] }} */ (process)._getActiveHandles?.() ?? [];
  return handles.filter((h) => h instanceof Socket && h.localPort === port).length;
}

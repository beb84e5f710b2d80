/**
 * The load generator: sink, probe, publisher, echo and storm child processes, started once for
 * the whole bench and reset between runs. Each is a separate process so its CPU can be checked.
 */
import { join } from 'node:path';
import { benchFile, spawnNode } from './processes.mjs';

/**
 * @param {import('./config.mjs').Config} config
 * @param {string} logDir
 */
export async function startGenerator(config, logDir) {
  const child = (/** @type {string} */ name, /** @type {string} */ file) =>
    spawnNode(name, [benchFile(`lib/${file}`)], { log: join(logDir, `${name}.log`) });
  const sinks = Array.from({ length: config.sinkProcesses }, (_, i) =>
    child(`sink-${i + 1}`, 'sink.mjs'),
  );
  const probes = child('probes', 'probes.mjs');
  const publisher = child('publisher', 'publisher.mjs');
  const echo = child('echo', 'echo.mjs');
  // One per replica: the killed replica's clients reconnect in their own process.
  const storms = [child('storm-1', 'storm.mjs'), child('storm-2', 'storm.mjs')];
  const all = [...sinks, probes, publisher, echo, ...storms];
  await Promise.all(all.map((c) => c.ready));

  /** Sum of broadcast frames received by every sink and probe. */
  async function frames() {
    const counts = await Promise.all([
      ...sinks.map((s) => s.call('counters')),
      probes.call('counters'),
    ]);
    return counts.reduce((total, c) => total + c.frames, 0);
  }

  return {
    sinks,
    probes,
    publisher,
    echo,
    storms,
    /** name -> pid, for the CPU accounting; the orchestrator counts as generator too. */
    pids() {
      return {
        orchestrator: process.pid,
        ...Object.fromEntries(all.map((c) => [c.name, /** @type {number} */ (c.child.pid)])),
      };
    },
    frames,
    /**
     * Opens `total` sink connections spread over the sink processes, replicas and source addresses.
     * @param {number[]} ports
     * @param {number} total
     */
    async connectSinks(ports, total) {
      const per = Math.floor(total / sinks.length);
      const results = await Promise.all(
        sinks.map((s, i) =>
          s.call(
            'connect',
            {
              ports,
              count: i === sinks.length - 1 ? total - per * (sinks.length - 1) : per,
              inflight: Math.max(1, Math.floor(config.inflight / sinks.length)),
              addresses: config.addresses,
            },
            120_000,
          ),
        ),
      );
      const failed = results.reduce((n, r) => n + r.failed, 0);
      if (failed > 0)
        throw new Error(
          `${failed} sink connections failed: ${results.flatMap((r) => r.errors).join('; ')}`,
        );
      return { ms: Math.max(...results.map((r) => r.ms)) };
    },
    /** Leaves `keep` sink connections open, resetting the newest others. */
    async trimSinks(/** @type {number} */ keep) {
      const open = (await Promise.all(sinks.map((s) => s.call('counters')))).map((c) => c.open);
      const total = open.reduce((a, b) => a + b, 0);
      const per = Math.floor(keep / sinks.length);
      await Promise.all(
        sinks.map((s, i) =>
          s.call(
            'closeLast',
            {
              count: Math.max(
                0,
                open[i] - (i === sinks.length - 1 ? keep - per * (sinks.length - 1) : per),
              ),
            },
            60_000,
          ),
        ),
      );
      return total - keep;
    },
    async sinkCounters() {
      const counts = await Promise.all(sinks.map((s) => s.call('counters')));
      return {
        open: counts.reduce((n, c) => n + c.open, 0),
        unexpectedCloses: counts.reduce((n, c) => n + c.unexpectedCloses, 0),
      };
    },
    /** Sampled sink latencies for seqs in [from, to). */
    async sinkSamples(/** @type {number} */ from, /** @type {number} */ to) {
      return (await Promise.all(sinks.map((s) => s.call('samples', { from, to })))).flat();
    },
    async resetSamples() {
      await Promise.all([...sinks.map((s) => s.call('resetSamples')), probes.call('resetSamples')]);
    },
    /** Back to no connections, between system-runs. */
    async resetAll() {
      await Promise.all([
        ...sinks.map(async (s) => {
          await s.call('closeLast', { count: Number.MAX_SAFE_INTEGER }, 60_000);
          await s.call('reset');
        }),
        probes.call('close'),
        publisher.call('close'),
        echo.call('close'),
        ...storms.map((s) => s.call('close')),
      ]);
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startGenerator>>} Generator */

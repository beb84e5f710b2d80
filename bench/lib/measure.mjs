/** Shared measuring steps of the workloads: server probes, CPU windows, delivery drains. */
import { snapshot, windowCpu } from './cpu.mjs';
import { percentile, round, waitUpTo } from './stats.mjs';

/**
 * @typedef {{
 *   system: 'B' | 'D',
 *   config: import('./config.mjs').Config,
 *   gen: import('./generator.mjs').Generator,
 *   replicas: import('./systems.mjs').Replica[],
 *   redisPid: number,
 *   windows: { name: string, gated: boolean, cpu: ReturnType<typeof windowCpu> }[],
 *   log: (line: string) => void,
 * }} RunContext
 */

/** @param {RunContext} ctx */
export const roles = (ctx) => ({
  servers: ctx.replicas.map((r) => r.pid),
  redis: [ctx.redisPid],
  generator: ctx.gen.pids(),
});

/**
 * Starts a CPU window; `end()` records it under `name` and returns it.
 * @param {RunContext} ctx
 * @param {string} name
 * @param {{ gated?: boolean }} [options] gated windows decide whether the run is valid
 */
export function cpuWindow(ctx, name, { gated = true } = {}) {
  const start = snapshot(roles(ctx));
  return {
    end() {
      const cpu = windowCpu(start, roles(ctx));
      ctx.windows.push({ name, gated, cpu });
      return cpu;
    },
  };
}

/** Both replicas' gc'd heap, RSS, CPU and accepted sockets. */
export const probeAll = (/** @type {RunContext} */ ctx, gc = false) =>
  Promise.all(ctx.replicas.map((r) => r.probe(gc)));

/** CPU-seconds both replicas have used so far, from their own process.cpuUsage(). */
export async function serverCpuSeconds(/** @type {RunContext} */ ctx) {
  const probes = await probeAll(ctx);
  return probes.reduce((total, p) => total + p.cpuUser + p.cpuSystem, 0);
}

/** Clients that receive every broadcast and are counted: open sinks plus connected probes. */
export async function countedClients(/** @type {RunContext} */ ctx) {
  const [sinks, probes] = await Promise.all([
    ctx.gen.sinkCounters(),
    ctx.gen.probes.call('counters'),
  ]);
  return sinks.open + probes.open;
}

/**
 * Waits (bounded) until sinks and probes have received `expected` frames since `since`.
 * @returns the frames received since `since`
 */
export async function drain(
  /** @type {RunContext} */ ctx,
  /** @type {number} */ since,
  /** @type {number} */ expected,
  /** @type {number} */ timeoutMs,
) {
  let received = 0;
  await waitUpTo(
    async () => {
      received = (await ctx.gen.frames()) - since;
      return received >= expected;
    },
    { timeoutMs },
  );
  return received;
}

/** p50/p99/max in ms, rounded, with the sample count. */
export function latencySummary(/** @type {number[]} */ values) {
  return {
    n: values.length,
    p50Ms: round(percentile(values, 50)),
    p99Ms: round(percentile(values, 99)),
    maxMs: round(percentile(values, 100)),
  };
}

/** Latencies of the broadcasts with seq in [from, to), from probes and from sampled sink frames. */
export async function latencies(
  /** @type {RunContext} */ ctx,
  /** @type {number} */ from,
  /** @type {number} */ to,
) {
  const [probe, sink] = await Promise.all([
    ctx.gen.probes.call('samples', { from, to }),
    ctx.gen.sinkSamples(from, to),
  ]);
  return {
    probe: { ...latencySummary(probe.latencies), missing: probe.missing, expected: probe.expected },
    sink: latencySummary(sink),
    all: latencySummary([...probe.latencies, ...sink]),
  };
}

/**
 * One system-run: fresh replicas of B or D, every workload in sequence, then a verdict on
 * whether the machine was quiet enough for its figures to count.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { echoAlone, echoLoaded } from '../workloads/echo.mjs';
import { fanout } from '../workloads/fanout.mjs';
import { idle, trimTo } from '../workloads/idle.mjs';
import { storm } from '../workloads/storm.mjs';
import { CORES } from './cpu.mjs';
import { cpuWindow } from './measure.mjs';
import { round } from './stats.mjs';
import { tail } from './processes.mjs';
import { buildFingerprint, startReplica } from './systems.mjs';

/**
 * @param {{ config: import('./config.mjs').Config, gen: Promise<import('./generator.mjs').Generator>,
 *   redis: Awaited<ReturnType<typeof import('./redis.mjs').startRedis>>, tmp: string,
 *   log: (line: string) => void }} bench
 * @param {'B' | 'D'} system
 * @param {number} index
 * @param {number | undefined} kneeRef B's latest knee, so both systems' loaded echo sees the same load
 */
export async function systemRun(bench, system, index, kneeRef) {
  const { config, redis, log } = bench;
  await redis.flushAll();
  const loadBefore = loadavg().map((v) => round(v));
  const logDir = join(bench.tmp, `${system}${index}`);
  mkdirSync(logDir, { recursive: true });
  const startedAt = new Date().toISOString();
  const build = buildFingerprint(system);
  // The generator may still be starting (first run): its children and the replicas boot together.
  const started = await Promise.allSettled([
    bench.gen,
    ...[1, 2].map((r) =>
      startReplica(system, {
        name: `${system.toLowerCase()}${index}-r${r}`,
        redisUrl: redis.url,
        logDir,
      }),
    ),
  ]);
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    // A replica that did start must not load the machine during the next run.
    await Promise.all(
      started.slice(1).map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)),
    );
    throw failure.reason;
  }
  const [gen, ...replicas] = started.map(
    (s) => /** @type {PromiseFulfilledResult<any>} */ (s).value,
  );
  /** @type {import('./measure.mjs').RunContext} */
  const ctx = { system, config, gen, replicas, redisPid: redis.pid, windows: [], log };
  log(
    `${system} run ${index}: replicas up in ${replicas.map((r) => round(r.bootMs, 0)).join(' / ')} ms, load ${loadBefore.join(' ')}`,
  );
  try {
    // Ends before W4: the CPU of the replica killed there would count as somebody else's.
    const whole = cpuWindow(ctx, 'W1-W3', { gated: false });
    await Promise.all([
      gen.publisher.call('connect', { urls: replicas.map((r) => r.url) }),
      gen.echo.call('connect', { url: replicas[0].url }),
    ]);
    const w3Alone = await echoAlone(ctx);
    const w1 = await idle(ctx);
    // Publisher (2), echo (1) and probes stay; sinks go down to the fan-out size.
    await trimTo(ctx, config.fanoutClients, config.fanoutClients + config.probes + 3);
    const w2 = await fanout(ctx);
    const w3Loaded = await echoLoaded(
      ctx,
      system === 'B' || kneeRef === undefined ? w2.kneeRate || config.steps[0] : kneeRef,
    );
    await gen.resetAll();
    const total = whole.end();
    const w4 = await storm(ctx);
    return {
      system,
      index,
      startedAt,
      loadavgBefore: loadBefore,
      build,
      bootMs: replicas.map((r) => round(r.bootMs, 0)),
      ...validity(ctx, config),
      w1: { sizes: w1.sizes },
      w1b: w1.w1b,
      w2,
      w3: { alone: w3Alone, loaded: w3Loaded },
      w4,
      cpuW1toW3: total,
      windows: ctx.windows.map((w) => ({ name: w.name, gated: w.gated, ...summariseCpu(w.cpu) })),
    };
  } catch (err) {
    // What the replicas said last, minus the per-connection lines, usually names the cause.
    const quiet = (/** @type {string} */ line) => !/"client (dis)?connected"/.test(line);
    const said = replicas.map((r) => `${r.name}:\n${tail(r.log, 4, quiet)}`).join('\n');
    throw new Error(`${err instanceof Error ? err.message : err}\n${said}`, { cause: err });
  } finally {
    await gen.resetAll().catch(() => undefined);
    await Promise.all(replicas.map((r) => r.stop()));
  }
}

/** @param {ReturnType<typeof import('./cpu.mjs').windowCpu>} cpu */
function summariseCpu(cpu) {
  return {
    wallSec: round(cpu.wallSec, 3),
    serversSec: round(cpu.serversSec, 3),
    redisSec: round(cpu.redisSec, 3),
    generatorSec: round(cpu.generatorSec, 3),
    otherSec: round(cpu.otherSec, 3),
    otherShare: round(cpu.otherShare, 3),
    busiestGenerator: {
      name: cpu.busiestGenerator.name,
      coreShare: round(cpu.busiestGenerator.coreShare, 3),
    },
  };
}

/**
 * Invalid when a generator process used more than 80 % of a core in a measured window (its
 * numbers would describe the generator), or when more than 10 % of the machine's CPU over the
 * measured windows went to processes that are neither servers, Redis nor the generator.
 * Windows under a second are too coarse for 10 ms clock ticks and are not judged alone.
 * @param {import('./measure.mjs').RunContext} ctx
 * @param {import('./config.mjs').Config} config
 */
function validity(ctx, config) {
  const gated = ctx.windows.filter((w) => w.gated);
  const reasons = [];
  for (const w of gated) {
    if (w.cpu.wallSec >= 1 && w.cpu.busiestGenerator.coreShare > config.maxGeneratorCore) {
      reasons.push(
        `${w.name}: generator process ${w.cpu.busiestGenerator.name} used ${Math.round(w.cpu.busiestGenerator.coreShare * 100)} % of a core`,
      );
    }
  }
  const wall = gated.reduce((t, w) => t + w.cpu.wallSec, 0);
  const other = gated.reduce((t, w) => t + w.cpu.otherSec, 0);
  const otherShare = wall > 0 ? other / (CORES * wall) : 0;
  if (otherShare > config.maxOtherShare) {
    reasons.push(
      `${Math.round(otherShare * 100)} % of the machine's CPU went to other processes during measured windows`,
    );
  }
  return { valid: reasons.length === 0, invalidReasons: reasons, otherShare: round(otherShare, 3) };
}

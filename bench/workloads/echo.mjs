/**
 * W3: ack round trips of one client doing sequential emitWithAck, on an otherwise idle server
 * and then under fan-out load.
 */
import { cpuWindow, drain, latencySummary, countedClients } from '../lib/measure.mjs';
import { round, sleep } from '../lib/stats.mjs';

/** @param {import('../lib/measure.mjs').RunContext} ctx */
export async function echoAlone(ctx) {
  const { config, gen } = ctx;
  // A closed loop keeps the echo client busy by design; its CPU says nothing about saturation.
  const window = cpuWindow(ctx, 'W3 alone', { gated: false });
  const run = await gen.echo.call('run', { samples: config.echoSamples, maxMs: 30_000 }, 60_000);
  const cpu = window.end();
  const result = {
    ...latencySummary(run.rtts),
    failures: run.failures,
    firstFailure: run.firstFailure,
    cpu,
  };
  ctx.log(`  W3 echo alone: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (n=${result.n})`);
  return result;
}

/**
 * Half of `kneeRate` offered in all: the publisher at 3/8 of it, the echo paced at 1/8, since
 * each echo is a broadcast to every client too and unpaced it would become the load.
 * @param {import('../lib/measure.mjs').RunContext} ctx
 * @param {number} kneeRate
 */
export async function echoLoaded(ctx, kneeRate) {
  const { config, gen } = ctx;
  const publishRate = Math.max(1, (kneeRate * 3) / 8);
  const echoRate = Math.max(1, kneeRate / 8);
  const clients = await countedClients(ctx);
  const frames0 = await gen.frames();
  await gen.publisher.call('start', { rate: publishRate });
  await sleep(config.warmupMs);
  const window = cpuWindow(ctx, 'W3 loaded');
  const run = await gen.echo.call(
    'run',
    { samples: config.echoSamples, maxMs: config.echoLoadedMaxMs, minIntervalMs: 1000 / echoRate },
    60_000,
  );
  const cpu = window.end();
  const sent = await gen.publisher.call('stop', {}, 30_000);
  await drain(ctx, frames0, (sent.acked + run.rtts.length) * clients, config.drainMs);
  const result = {
    publishRate,
    echoRate,
    clients,
    ...latencySummary(run.rtts),
    failures: run.failures,
    firstFailure: run.firstFailure,
    cpu,
  };
  ctx.log(
    `  W3 echo under ${round(publishRate, 1)}+${round(echoRate, 1)} bcast/s: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (n=${result.n})`,
  );
  return result;
}

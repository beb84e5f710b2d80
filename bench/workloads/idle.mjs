/**
 * W1: idle connections at each size (heap and RSS per connection after GC, connect rate), then
 * W1b: a few broadcasts per second to all of them at the largest size.
 */
import { countedClients, cpuWindow, drain, latencies, probeAll } from '../lib/measure.mjs';
import { round, waitFor } from '../lib/stats.mjs';

/** @param {import('../lib/measure.mjs').RunContext} ctx */
export async function idle(ctx) {
  const { config, gen, replicas } = ctx;
  const ports = replicas.map((r) => r.port);
  // Publisher and echo sockets are already open; per-connection figures are relative to this.
  const before = await probeAll(ctx, true);
  const sizes = [];
  let open = 0;
  for (const size of config.idleSizes) {
    const { ms } = await gen.connectSinks(ports, size - open);
    const connectRate = (size - open) / (ms / 1000);
    open = size;
    const after = await probeAll(ctx, true);
    const perReplica = after.map((a, r) => {
      const connections = a.clientSockets - before[r].clientSockets;
      return {
        connections,
        heapPerConnBytes: (a.heapUsed - before[r].heapUsed) / connections,
        rssPerConnBytes: (a.rss - before[r].rss) / connections,
        heapUsedMiB: round(a.heapUsed / 2 ** 20),
        rssMiB: round(a.rss / 2 ** 20),
      };
    });
    const mean = (/** @type {'heapPerConnBytes' | 'rssPerConnBytes'} */ key) =>
      round(perReplica.reduce((t, p) => t + p[key], 0) / perReplica.length, 0);
    sizes.push({
      sinks: size,
      connections: perReplica.reduce((t, p) => t + p.connections, 0),
      connectRatePerSec: round(connectRate, 0),
      heapPerConnBytes: mean('heapPerConnBytes'),
      rssPerConnBytes: mean('rssPerConnBytes'),
      perReplica,
    });
    ctx.log(
      `  W1 ${size} idle: ${sizes.at(-1)?.heapPerConnBytes} B heap/conn, ${sizes.at(-1)?.rssPerConnBytes} B RSS/conn, ${round(connectRate, 0)} conn/s`,
    );
  }
  // Last to join, so every per-connection figure above is sinks only, and the probes are the
  // last sockets each replica iterates over in a broadcast: the slowest position there is.
  await gen.probes.call('connect', {
    urls: replicas.map((r) => r.url),
    count: config.probes,
    addresses: config.addresses,
  });

  const w1b = await broadcastToAll(ctx);
  ctx.log(
    `  W1b ${open} clients, ${config.idleBroadcasts.rate}/s: probe p99 ${w1b.latency.probe.p99Ms} ms (sampled sinks ${w1b.latency.sink.p99Ms} ms), delivered ${w1b.delivered}`,
  );
  return { sizes, w1b };
}

/** @param {import('../lib/measure.mjs').RunContext} ctx */
async function broadcastToAll(ctx) {
  const { config, gen } = ctx;
  const { rate, count } = config.idleBroadcasts;
  const clients = await countedClients(ctx);
  await gen.resetSamples();
  const frames0 = await gen.frames();
  const window = cpuWindow(ctx, 'W1b');
  await gen.publisher.call('start', { rate, count });
  const sent = await gen.publisher.call('stop', {}, 60_000);
  const received = await drain(ctx, frames0, sent.acked * clients, config.drainMs);
  const cpu = window.end();
  return {
    clients,
    rate,
    ...sent,
    delivered: round(received / (sent.acked * clients), 4),
    latency: await latencies(ctx, sent.firstSeq, sent.endSeq),
    cpu,
  };
}

/**
 * Closes sinks down to `keep` and waits until both replicas have let go of them, so the next
 * workload does not pay for the disconnects.
 * @param {import('../lib/measure.mjs').RunContext} ctx
 * @param {number} keep
 * @param {number} expectedSockets accepted sockets expected on both replicas together
 */
export async function trimTo(ctx, keep, expectedSockets) {
  await ctx.gen.trimSinks(keep);
  await waitFor(
    async () => (await probeAll(ctx)).reduce((t, p) => t + p.clientSockets, 0) <= expectedSockets,
    {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `replicas to close down to ${expectedSockets} sockets`,
    },
  );
}

/**
 * `npm run bench`: baseline (B) and deliverer (D), interleaved B D B D…, every workload per run;
 * writes results/<date>.{json,md,svg} and results/latest.*. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from './lib/config.mjs';
import { startGenerator } from './lib/generator.mjs';
import { benchFile, killAll } from './lib/processes.mjs';
import { startRedis } from './lib/redis.mjs';
import { markdown, summarise } from './lib/report.mjs';
import { round } from './lib/stats.mjs';
import { fanoutChart } from './lib/svg.mjs';
import { RATE_LIMIT, SYSTEMS } from './lib/systems.mjs';
import { systemRun } from './lib/system-run.mjs';

const t0 = performance.now();
const log = (/** @type {string} */ line) =>
  process.stdout.write(
    `${line && `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] `}${line}\n`,
  );

/**
 * Results are committed, and `npm run check` runs prettier over the repository: write them the
 * way prettier would. Without prettier installed they are written as they are.
 * @param {string} file
 * @param {string} text
 */
async function formatted(file, text) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text.endsWith('\n') ? text : `${text}\n`;
  }
}

/** Which code was measured: the commit, and whether deliverer's sources differed from it. */
function gitState() {
  const git = (/** @type {string[]} */ args) =>
    execFileSync('git', args, { cwd: benchFile('..'), encoding: 'utf8' }).trim();
  try {
    return {
      commit: git(['rev-parse', '--short', 'HEAD']),
      delivererSourcesModified: git(['status', '--porcelain', '--', 'deliverer/src']) !== '',
    };
  } catch {
    return { commit: 'unknown' };
  }
}

async function main() {
  const config = loadConfig();
  const started = Date.now();
  const date = new Date().toISOString().slice(0, 10);
  const outDir = config.out ? resolve(config.out) : benchFile('results');
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'deliverer-bench-'));
  log(
    `bench (${config.mode}): ${config.runs} run(s) of ${config.systems.join(' and ')}, logs in ${tmp}`,
  );

  const gen = startGenerator(config, tmp);
  // Awaited by each run, which reports a failure; not a crash while Redis is still starting.
  gen.catch(() => undefined);
  const redis = await startRedis(tmp);
  const machine = {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    kernel: release(),
    redis: redis.version,
    loadavgAtStart: loadavg().map((v) => round(v)),
    ...gitState(),
  };

  const runs = [];
  /** @type {number | undefined} */
  let kneeRef;
  for (let i = 1; i <= config.runs; i++) {
    for (const system of /** @type {('B' | 'D')[]} */ (config.systems)) {
      try {
        const run = await systemRun({ config, gen, redis, tmp, log }, system, i, kneeRef);
        if (system === 'B' && run.w2.kneeRate > 0) kneeRef = run.w2.kneeRate;
        runs.push(run);
        log(
          `${system} run ${i}: ${config.gate ? (run.valid ? 'valid' : `INVALID (${run.invalidReasons.join('; ')})`) : 'not gated'}`,
        );
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${system} run ${i} failed: ${message}`);
        runs.push({ system, index: i, error: message, valid: false, invalidReasons: ['error'] });
      }
    }
  }
  await redis.stop();

  const dBuilds = [...new Set(runs.filter((r) => r.system === 'D' && r.build).map((r) => r.build))];
  const warnings = [
    ...(dBuilds.length > 1
      ? [
          `deliverer/dist changed during the bench (builds ${dBuilds.join(', ')}): D runs measured different code.`,
        ]
      : []),
    ...runs
      .filter((r) => r.error)
      .map((r) => `${r.system} run ${r.index} failed: ${r.error.split('\n')[0]}`),
  ];
  const result = {
    date,
    startedAt: new Date(started).toISOString(),
    wallMs: Date.now() - started,
    config,
    machine,
    systems: { B: SYSTEMS.B.label, D: SYSTEMS.D.label },
    warnings,
    notes: [
      `D runs with RATE_LIMIT_PER_SEC=RATE_LIMIT_BURST=${RATE_LIMIT}: its default per-socket limit (20/s, burst 40) would throttle the publisher, and 1,000,000 exceeds what its config accepts (max 100000). The limiter stays in the path.`,
      'D runs as shipped otherwise: LOG_LEVEL=info (one log line per connect and disconnect, to a file), DELIVERER_ADAPTER=redis, its own METRICS_PORT per replica.',
      `Knee: highest step with every broadcast acked, >= ${config.kneeDelivered * 100} % delivered (frames at sinks+probes / (acked broadcasts x clients), after a bounded drain) and probe p99 < ${config.kneeP99Ms} ms; stepping stops at the first failing step. A knee marked + in the runs table is the last step tried (not bounded).`,
      "CPU-s per 1M deliveries: both replicas' process.cpuUsage() over the measured windows of passing steps, divided by frames counted at sinks and probes in those windows.",
      "Heap/RSS per connection: gc'd heapUsed (global.gc twice) after the ramp minus before, over the sockets the replica gained, averaged over both replicas.",
      'Latency: receive time minus the send time embedded by the publisher (same host clock). Probes are real socket.io-client sockets that connect after every sink, so each replica reaches them last in a broadcast; W1b and the knee gate on their p99. Sinks sample 1 in 50 frames; that p99 also holds the sink process working through thousands of sockets on the same two cores.',
      "Echo: idle = only the echo client and the idle publisher sockets connected. Under load = ~1k clients and half of the knee offered in all (B's latest knee, so B and D see the same load): publisher at 3/8 of the knee, echo paced at 1/8, since every echo is itself a broadcast to all clients. Bars use the idle p99.",
      "Storm: recovery = kill -9 of replica 2 until its last client is connected again (replica restarted as soon as the old process was gone); includes the replica's restart time. Restart time = spawn until Socket.IO answers HTTP (not the first TCP accept: deliverer may bind its port early and hold connections until the app is up).",
      `Validity (${config.gate ? 'gated' : 'not gated in this mode'}): a run is invalid when a generator process used > ${config.maxGeneratorCore * 100} % of a core in a measured window of >= 1 s, or > ${config.maxOtherShare * 100} % of the machine's CPU (incl. steal) went to processes other than servers, Redis and the generator over the measured windows. Medians use valid runs only, unless a system has none.`,
    ],
    runs,
    summary: summarise(runs, config),
  };

  const base = join(outDir, date);
  writeFileSync(`${base}.json`, await formatted(`${base}.json`, JSON.stringify(result)));
  writeFileSync(`${base}.md`, await formatted(`${base}.md`, markdown(result)));
  writeFileSync(`${base}.svg`, fanoutChart(runs, { kneeP99Ms: config.kneeP99Ms, date }));
  for (const ext of ['json', 'md', 'svg'])
    copyFileSync(`${base}.${ext}`, join(outDir, `latest.${ext}`));

  process.stdout.write(`\n${markdown(result)}\n`);
  log(`wrote ${base}.{json,md,svg} and latest.*; wall time ${round(result.wallMs / 1000, 1)} s`);
  const failed = runs.some((r) => r.error);
  if (!failed) rmSync(tmp, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (err) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`,
    );
    killAll();
    process.exit(1);
  },
);

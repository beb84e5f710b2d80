/** Profiles and command-line options: every size and duration the bench uses lives here. */
import { parseArgs } from 'node:util';

const FULL = {
  mode: 'full',
  runs: 3,
  gate: true,
  sinkProcesses: 2,
  probes: 10,
  addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'],
  inflight: 200,
  idleSizes: [1000, 10_000],
  idleBroadcasts: { rate: 1, count: 5 },
  fanoutClients: 1000,
  // 10 % apart around the knee: a 0.9 bar needs that resolution.
  steps: [20, 40, 60, 70, 80, 90, 100, 110, 120, 130, 140, 160, 180, 200, 250, 300],
  // CPU per delivery is compared over the steps up to this rate, which both systems pass.
  cpuUpToRate: 80,
  warmupMs: 500,
  windowMs: 4000,
  drainMs: 3000,
  echoSamples: 300,
  echoLoadedMaxMs: 8000,
  stormClients: 2000,
  stormBoundMs: 30_000,
  /** Pass criteria of a fan-out step. */
  kneeDelivered: 0.999,
  kneeP99Ms: 250,
  /** Validity: generator process core share, and CPU share of everything else. */
  maxGeneratorCore: 0.8,
  maxOtherShare: 0.1,
};

const QUICK = {
  ...FULL,
  mode: 'quick',
  runs: 2,
  idleSizes: [1000, 5000],
  idleBroadcasts: { rate: 1, count: 3 },
  warmupMs: 500,
  windowMs: 2000,
  echoSamples: 150,
  echoLoadedMaxMs: 3000,
  stormClients: 1000,
};

const SMOKE = {
  ...FULL,
  mode: 'smoke',
  runs: 1,
  gate: false,
  sinkProcesses: 1,
  probes: 4,
  inflight: 50,
  idleSizes: [20, 50],
  idleBroadcasts: { rate: 10, count: 2 },
  fanoutClients: 50,
  steps: [10, 20],
  warmupMs: 50,
  windowMs: 250,
  drainMs: 2000,
  echoSamples: 30,
  echoLoadedMaxMs: 150,
  stormClients: 50,
  stormBoundMs: 15_000,
};

export function loadConfig(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      steps: { type: 'string' },
      window: { type: 'string' },
      warmup: { type: 'string' },
      systems: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'node bench/run.mjs [--runs N] [--quick | --smoke] [--out DIR] [--steps 10,20,...]\n' +
        '                   [--window MS] [--warmup MS] [--systems B,D]\n',
    );
    process.exit(0);
  }
  const base = values.smoke ? SMOKE : values.quick ? QUICK : FULL;
  const number = (/** @type {string | undefined} */ text, /** @type {string} */ name) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const systems = (values.systems ?? 'B,D').split(',').map((s) => s.trim().toUpperCase());
  if (systems.some((s) => s !== 'B' && s !== 'D')) throw new Error('--systems takes B, D or B,D');
  return {
    ...base,
    runs: number(values.runs, 'runs') ?? base.runs,
    steps: values.steps ? values.steps.split(',').map((s) => number(s, 'steps')) : base.steps,
    windowMs: number(values.window, 'window') ?? base.windowMs,
    warmupMs: number(values.warmup, 'warmup') ?? base.warmupMs,
    systems,
    out: values.out,
  };
}

/** @typedef {ReturnType<typeof loadConfig>} Config */

/** Medians, ratios and bars across runs, and the markdown table. */
import { round, spread } from './stats.mjs';

/**
 * What is compared. `ratio` bars apply to median D / median B; `absolute` bars to D's median.
 * @type {{ key: string, label: string, unit: string, get: (run: any) => number | undefined,
 *   ratio?: { op: '>=' | '<=', value: number }, absolute?: { op: '>=' | '<', value: number } }[]}
 */
export const METRICS = [
  {
    key: 'kneeRate',
    label: 'Fan-out knee (broadcasts/s to ~1k clients)',
    unit: '/s',
    get: (r) => r.w2?.kneeRate,
    ratio: { op: '>=', value: 0.9 },
  },
  {
    key: 'kneeDeliveriesPerSec',
    label: 'Deliveries/s at the knee',
    unit: '/s',
    get: (r) => r.w2?.kneeDeliveriesPerSec,
    absolute: { op: '>=', value: 30_000 },
  },
  {
    key: 'cpuSecPerMillion',
    label: 'Server CPU-s per 1M deliveries (steps up to 80/s, both systems)',
    unit: 's',
    get: (r) => r.w2?.cpuSecPerMillion,
    ratio: { op: '<=', value: 1.1 },
  },
  {
    key: 'heapPerConn',
    label: 'Heap per idle connection (largest W1 size)',
    unit: 'bytes',
    get: (r) => r.w1?.sizes.at(-1)?.heapPerConnBytes,
    ratio: { op: '<=', value: 1.2 },
  },
  {
    key: 'rssPerConn',
    label: 'RSS per idle connection (largest W1 size)',
    unit: 'bytes',
    get: (r) => r.w1?.sizes.at(-1)?.rssPerConnBytes,
  },
  {
    key: 'heapPerConnSmall',
    label: 'Heap per idle connection (first W1 size)',
    unit: 'bytes',
    get: (r) => r.w1?.sizes[0]?.heapPerConnBytes,
  },
  {
    key: 'connectRate',
    label: 'Connect rate, ramp to largest W1 size',
    unit: '/s',
    get: (r) => r.w1?.sizes.at(-1)?.connectRatePerSec,
  },
  {
    key: 'idleP99',
    label: 'W1b probe p99, 1 broadcast/s to the largest W1 size',
    unit: 'ms',
    get: (r) => r.w1b?.latency.probe.p99Ms,
    absolute: { op: '<', value: 250 },
  },
  {
    key: 'idleSinkP99',
    label: "W1b p99 of sampled sink frames (includes the sinks' own queueing)",
    unit: 'ms',
    get: (r) => r.w1b?.latency.sink.p99Ms,
  },
  { key: 'echoP50', label: 'Echo ack RTT p50, idle', unit: 'ms', get: (r) => r.w3?.alone.p50Ms },
  {
    key: 'echoP99',
    label: 'Echo ack RTT p99, idle',
    unit: 'ms',
    get: (r) => r.w3?.alone.p99Ms,
    ratio: { op: '<=', value: 1.3 },
  },
  {
    key: 'echoLoadedP50',
    label: 'Echo ack RTT p50 under fan-out load',
    unit: 'ms',
    get: (r) => r.w3?.loaded.p50Ms,
  },
  {
    key: 'echoLoadedP99',
    label: 'Echo ack RTT p99 under fan-out load',
    unit: 'ms',
    get: (r) => r.w3?.loaded.p99Ms,
  },
  {
    key: 'stormRecoveryMs',
    label: 'Reconnect storm: kill -9 to all clients back',
    unit: 'ms',
    get: (r) => r.w4?.recoveryMs,
    ratio: { op: '<=', value: 1.0 },
  },
  {
    key: 'stormRestartMs',
    label: 'Reconnect storm: replica restart until Socket.IO answers',
    unit: 'ms',
    get: (r) => r.w4?.restartBootMs,
  },
  {
    key: 'stormDowntimeP95',
    label: 'Reconnect storm: per-client downtime p95',
    unit: 'ms',
    get: (r) => r.w4?.downtimeP95Ms,
  },
  {
    key: 'stormNeverReturned',
    label: 'Reconnect storm: clients never back within the bound',
    unit: '',
    get: (r) => r.w4?.neverReturned,
  },
];

/**
 * @param {any[]} runs
 * @param {{ gate: boolean }} config
 */
export function summarise(runs, config) {
  const systems = /** @type {const} */ (['B', 'D']);
  /** @type {Record<string, { runs: number, validRuns: number, usedRuns: number, fallback: boolean }>} */
  const counts = {};
  /** @type {Record<string, Record<string, ReturnType<typeof spread>>>} */
  const bySystem = {};
  const ok = runs.filter((r) => !r.error);
  // Valid runs only when each system has one; otherwise every run for both, so that B and D are
  // never summarised under different rules. The report says which.
  const validOnly = config.gate && systems.every((s) => ok.some((r) => r.system === s && r.valid));
  for (const system of systems) {
    const all = ok.filter((r) => r.system === system);
    const valid = all.filter((r) => r.valid);
    const used = validOnly ? valid : all;
    counts[system] = {
      runs: all.length,
      validRuns: valid.length,
      usedRuns: used.length,
      fallback: config.gate && !validOnly,
    };
    bySystem[system] = Object.fromEntries(METRICS.map((m) => [m.key, spread(used.map(m.get))]));
  }
  const rows = METRICS.map((m) => {
    const b = bySystem.B[m.key];
    const d = bySystem.D[m.key];
    const ratio =
      b.median !== undefined && d.median !== undefined && b.median !== 0
        ? round(d.median / b.median, 3)
        : undefined;
    /** @type {{ bar: string, pass: boolean | undefined } | undefined} */
    let verdict;
    if (m.ratio) {
      verdict = {
        bar: `D/B ${m.ratio.op} ${m.ratio.value}`,
        pass:
          ratio === undefined
            ? undefined
            : m.ratio.op === '>='
              ? ratio >= m.ratio.value
              : ratio <= m.ratio.value,
      };
    } else if (m.absolute) {
      verdict = {
        bar: `D ${m.absolute.op} ${m.absolute.value}${m.unit === 'ms' ? ' ms' : ''}`,
        pass:
          d.median === undefined
            ? undefined
            : m.absolute.op === '>='
              ? d.median >= m.absolute.value
              : d.median < m.absolute.value,
      };
    }
    return { key: m.key, label: m.label, unit: m.unit, B: b, D: d, ratio, ...verdict };
  });
  return { counts, rows };
}

const fmt = (/** @type {number | undefined} */ v) =>
  v === undefined
    ? '–'
    : Math.abs(v) >= 100
      ? Math.round(v).toLocaleString('en-US')
      : String(round(v, 2));

/** @param {ReturnType<typeof spread>} s */
const cell = (s) =>
  s.median === undefined
    ? '–'
    : s.n > 1
      ? `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`
      : fmt(s.median);

/**
 * @param {any} result the whole JSON document
 */
export function markdown(result) {
  const { summary, machine, config, runs } = result;
  const lines = [];
  lines.push(`# deliverer benchmark, ${result.date} (${config.mode})`, '');
  lines.push(
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memGiB} GiB; Node ${machine.node}; Redis ${machine.redis}; ` +
      `load average at start ${machine.loadavgAtStart.join(' ')}. Wall time ${Math.round(result.wallMs / 1000)} s.` +
      (machine.commit
        ? ` Commit ${machine.commit}${machine.delivererSourcesModified ? ' with uncommitted changes under deliverer/src' : ''}.`
        : ''),
    '',
  );
  lines.push(
    `B = ${result.systems.B}; D = ${result.systems.D}. Two replicas each, @socket.io/redis-adapter (pub/sub) on one redis-server. ` +
      `Runs interleaved ${runs.map((/** @type {any} */ r) => r.system).join(' ')}; medians [min–max] over ` +
      `${['B', 'D'].map((s) => `${s}: ${summary.counts[s].usedRuns} of ${summary.counts[s].runs} runs (${config.gate ? `${summary.counts[s].validRuns} valid` : 'not gated'})`).join(', ')}` +
      `${summary.counts.B.fallback ? '. **Not every system had a valid run: medians include runs marked invalid; treat them as indicative.**' : '.'}`,
    '',
  );
  for (const warning of result.warnings) lines.push(`**Warning: ${warning}**`, '');
  lines.push('| Metric | B | D | D/B | Bar | Pass |', '|---|---|---|---|---|---|');
  for (const row of summary.rows) {
    const unit = row.unit ? ` (${row.unit})` : '';
    const pass = row.pass === undefined ? (row.bar ? 'n/a' : '') : row.pass ? 'pass' : '**FAIL**';
    lines.push(
      `| ${row.label}${unit} | ${cell(row.B)} | ${cell(row.D)} | ${row.ratio ?? '–'} | ${row.bar ?? ''} | ${pass} |`,
    );
  }
  lines.push('', '## Runs', '');
  lines.push(
    '| # | System | Valid | Load before | Knee (/s) | Deliveries/s | CPU-s/1M | Heap/conn (bytes) | Echo p99 (ms) | W1b p99 (ms) | Storm (ms) | Notes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  runs.forEach((/** @type {any} */ r, /** @type {number} */ i) => {
    if (r.error) {
      lines.push(`| ${i + 1} | ${r.system} | error | | | | | | | | | ${r.error.split('\n')[0]} |`);
      return;
    }
    lines.push(
      `| ${i + 1} | ${r.system} | ${!config.gate ? 'not gated' : r.valid ? 'yes' : 'no'} | ${r.loadavgBefore[0]} | ${r.w2.kneeRate}${r.w2.kneeBounded ? '' : '+'} | ${fmt(r.w2.kneeDeliveriesPerSec)} | ` +
        `${fmt(r.w2.cpuSecPerMillion)} | ${fmt(r.w1.sizes.at(-1)?.heapPerConnBytes)} | ${fmt(r.w3.alone.p99Ms)} | ${fmt(r.w1b.latency.probe.p99Ms)} | ` +
        `${fmt(r.w4.recoveryMs)} | ${r.invalidReasons.join('; ')} |`,
    );
  });
  lines.push('', '## Notes', '', ...result.notes.map((/** @type {string} */ n) => `- ${n}`), '');
  return lines.join('\n');
}

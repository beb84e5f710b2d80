/**
 * A dependency-free SVG chart: fan-out probe p99 latency against offered deliveries/s, one
 * panel per system, one line per run, the 250 ms bar dashed.
 */

const W = 420;
const H = 300;
const M = { left: 56, right: 16, top: 36, bottom: 44 };
const COLORS = { B: '#4477aa', D: '#cc6677' };

const esc = (/** @type {string} */ s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** @param {number} max */
function niceMax(max) {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(max, 1)));
  return [1, 2, 5, 10].map((f) => f * magnitude).find((v) => v >= max) ?? max;
}

/**
 * @param {any[]} runs
 * @param {{ kneeP99Ms: number, date: string }} options
 */
export function fanoutChart(runs, { kneeP99Ms, date }) {
  const ok = runs.filter((r) => !r.error);
  const points = ok.flatMap((r) =>
    r.w2.steps.map((/** @type {any} */ s) => ({
      x: s.offeredDeliveriesPerSec,
      y: s.latency.probe.p99Ms,
    })),
  );
  const xMax = niceMax(Math.max(1, ...points.map((p) => p.x)));
  const yMin = 1;
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(kneeP99Ms * 2, ...points.map((p) => p.y ?? 0))));
  const sx = (/** @type {number} */ x) => M.left + (x / xMax) * (W - M.left - M.right);
  const sy = (/** @type {number} */ y) =>
    H -
    M.bottom -
    ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) *
      (H - M.top - M.bottom);

  const panel = (/** @type {'B' | 'D'} */ system, /** @type {number} */ offset) => {
    const out = [`<g transform="translate(${offset},0)">`];
    out.push(
      `<text x="${W / 2}" y="20" text-anchor="middle" font-weight="bold">${system === 'B' ? 'B: baseline' : 'D: deliverer'}</text>`,
    );
    for (let e = 0; 10 ** e <= yMax; e++) {
      const y = sy(10 ** e);
      out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
      out.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${10 ** e}</text>`);
    }
    for (let i = 0; i <= 4; i++) {
      const v = (xMax / 4) * i;
      out.push(
        `<text x="${sx(v)}" y="${H - M.bottom + 16}" text-anchor="middle">${v >= 1000 ? `${v / 1000}k` : v}</text>`,
      );
    }
    const bar = sy(kneeP99Ms);
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${bar}" y2="${bar}" stroke="#999" stroke-dasharray="5 4"/>`,
    );
    out.push(
      `<text x="${W - M.right}" y="${bar - 4}" text-anchor="end" fill="#666">${kneeP99Ms} ms</text>`,
    );
    out.push(
      `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333"/>`,
    );
    for (const run of ok.filter((r) => r.system === system)) {
      const steps = run.w2.steps.filter(
        (/** @type {any} */ s) => s.latency.probe.p99Ms !== undefined,
      );
      const path = steps.map(
        (/** @type {any} */ s) =>
          `${sx(s.offeredDeliveriesPerSec).toFixed(1)},${sy(s.latency.probe.p99Ms).toFixed(1)}`,
      );
      out.push(
        `<polyline points="${path.join(' ')}" fill="none" stroke="${COLORS[system]}" stroke-width="1.5" opacity="${run.valid ? 0.9 : 0.35}"/>`,
      );
      for (const s of steps) {
        out.push(
          `<circle cx="${sx(s.offeredDeliveriesPerSec).toFixed(1)}" cy="${sy(s.latency.probe.p99Ms).toFixed(1)}" r="3" ` +
            `fill="${s.pass ? COLORS[system] : 'white'}" stroke="${COLORS[system]}"><title>${esc(`run ${run.index}: ${s.rate}/s, p99 ${s.latency.probe.p99Ms} ms, delivered ${s.delivered}`)}</title></circle>`,
        );
      }
    }
    out.push('</g>');
    return out.join('\n');
  };

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 30}" viewBox="0 0 ${2 * W} ${H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel('B', 0),
    panel('D', W),
    `<text x="${W}" y="${H - 6}" text-anchor="middle">offered deliveries/s (broadcasts/s × clients)</text>`,
    `<text x="12" y="${(H - M.bottom + M.top) / 2}" transform="rotate(-90 12 ${(H - M.bottom + M.top) / 2})" text-anchor="middle">probe p99 latency (ms, log)</text>`,
    `<text x="${W}" y="${H + 22}" text-anchor="middle" fill="#666">${esc(`Fan-out, ${date}. Filled: step passed; hollow: failed; faint: run marked invalid.`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

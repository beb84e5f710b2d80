import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SMOKE_BUDGET_MS = 30_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

interface SystemRun {
  system: 'B' | 'D';
  error?: string;
  w1: { sizes: { heapPerConnBytes: number }[] };
  w2: { kneeRate: number };
  w3: { alone: { p50Ms: number; p99Ms: number } };
  w4: { clients: number; returned: number; neverReturned: number; recoveryMs: number };
}

/** `node bench/run.mjs --smoke`, from the repository root as `npm run bench` runs it. */
function runSmoke(out: string): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bench/run.mjs', '--smoke', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    // SIGINT lets the bench kill the process groups it started; SIGKILL only if it ignores that.
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, SMOKE_BUDGET_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

const positive = (value: unknown) => {
  expect(value).toEqual(expect.any(Number));
  expect(value).toBeGreaterThan(0);
};

describe('the benchmark harness in --smoke mode', () => {
  let out: string;
  let exit: Exit;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'deliverer-bench-smoke-'));
    exit = await runSmoke(out);
  }, SMOKE_BUDGET_MS + 10_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const runsOf = (system: 'B' | 'D'): SystemRun[] => {
    const result = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as {
      runs: SystemRun[];
    };
    return result.runs.filter((run) => run.system === system);
  };

  test(`exits 0 within ${SMOKE_BUDGET_MS / 1000} s`, () => {
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
  });

  test('writes the JSON, the markdown table and the SVG chart into --out', () => {
    for (const ext of ['json', 'md', 'svg'])
      expect(existsSync(join(out, `latest.${ext}`))).toBe(true);
  });

  test.each(['B', 'D'] as const)(
    '%s has a positive knee, echo p50 and p99, heap per connection and storm recovery time, and every storm client returned',
    (system) => {
      const runs = runsOf(system);
      expect(runs).toHaveLength(1);
      const [run] = runs;
      expect(run!.error).toBeUndefined();
      positive(run!.w2.kneeRate);
      positive(run!.w3.alone.p50Ms);
      positive(run!.w3.alone.p99Ms);
      positive(run!.w1.sizes.at(-1)!.heapPerConnBytes);
      positive(run!.w4.recoveryMs);
      positive(run!.w4.clients);
      expect(run!.w4.returned).toBe(run!.w4.clients);
      expect(run!.w4.neverReturned).toBe(0);
    },
  );
});

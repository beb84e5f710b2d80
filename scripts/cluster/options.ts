import { parseArgs } from 'node:util';

export interface ClusterOptions {
  replicas: number;
  rollout: boolean;
  /** Unset: the replicas' own defaults (TOPOLOGY). */
  drainDelayMs?: number;
  drainWindowMs?: number;
}

export const USAGE = `usage: npm run cluster -- [--replicas N] [--rollout] [--drain-delay-ms MS] [--drain-window-ms MS]

  --replicas N          replicas behind nginx (default 2)
  --rollout             after startup, replace every replica as \`kubectl rollout restart\` does
  --drain-delay-ms MS   DRAIN_DELAY_MS of the replicas
  --drain-window-ms MS  DRAIN_WINDOW_MS of the replicas

While it runs: r + Enter rolls out, Ctrl-C stops everything (twice: kills at once).`;

export function parseOptions(args: string[]): ClusterOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      replicas: { type: 'string', default: '2' },
      rollout: { type: 'boolean', default: false },
      'drain-delay-ms': { type: 'string' },
      'drain-window-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    replicas: integer('--replicas', values.replicas, 1, 20)!,
    rollout: values.rollout,
    drainDelayMs: integer('--drain-delay-ms', values['drain-delay-ms'], 0, 600_000),
    drainWindowMs: integer('--drain-window-ms', values['drain-window-ms'], 0, 600_000),
  };
}

function integer(flag: string, value: string | undefined, min: number, max: number) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${flag} must be an integer from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

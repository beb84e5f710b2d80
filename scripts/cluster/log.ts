import type { ManagedProcess } from '../../deliverer/test/harness/processes.js';

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93];
const colorOf = new Map<string, number>();
const WIDTH = 12;

/** `name │ line`, the name coloured on a terminal so the pods stand apart, like stern's. */
export function print(name: string, line: string): void {
  const label = name.padEnd(WIDTH);
  if (!process.stdout.isTTY) {
    process.stdout.write(`${label} │ ${line}\n`);
    return;
  }
  if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length]!);
  process.stdout.write(`\x1b[${colorOf.get(name)}m${label}\x1b[0m │ ${line}\n`);
}

/** What the script itself reports. */
export function say(message: string): void {
  print('cluster', message);
}

/** Streams a process' output lines, prefixed with its name, from now on. */
export function streamLines(proc: ManagedProcess, keep: (line: string) => boolean = () => true) {
  proc.onLine((line) => {
    if (keep(line)) print(proc.name, line);
  });
}

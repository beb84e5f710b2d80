/**
 * CPU accounting from /proc: per-process utime+stime and the machine's busy time, so a window
 * can say how much went to the servers, Redis, the load generator and everything else.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
const CORES = cpus().length;

/** Seconds of CPU a process has used, or undefined once it is gone. */
export function processSeconds(/** @type {number} */ pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

function machineSeconds() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
  return { busy: (user + nice + system + irq + softirq) / TICKS, steal: (steal || 0) / TICKS };
}

/**
 * @typedef {{ servers: number[], redis: number[], generator: Record<string, number> }} Roles
 * generator maps a name to a pid, so the report can name a saturated one.
 */

/** @param {Roles} roles */
export function snapshot(roles) {
  const pids = [...roles.servers, ...roles.redis, ...Object.values(roles.generator)];
  return {
    at: performance.now(),
    machine: machineSeconds(),
    pids: Object.fromEntries(pids.map((pid) => [pid, processSeconds(pid)])),
  };
}

/**
 * CPU over a window. A process started inside the window counts from zero; one that died
 * inside it counts nothing, which only a replica killed on purpose does.
 * @param {ReturnType<typeof snapshot>} start
 * @param {Roles} roles as they are at the end of the window
 */
export function windowCpu(start, roles) {
  const end = snapshot(roles);
  const wall = (end.at - start.at) / 1000;
  const used = (/** @type {number} */ pid) => {
    const after = end.pids[pid];
    if (after === undefined) return 0;
    return Math.max(0, after - (start.pids[pid] ?? 0));
  };
  const sum = (/** @type {number[]} */ pids) => pids.reduce((total, pid) => total + used(pid), 0);
  const generatorByName = Object.fromEntries(
    Object.entries(roles.generator).map(([name, pid]) => [name, used(pid)]),
  );
  const servers = sum(roles.servers);
  const redis = sum(roles.redis);
  const generator = Object.values(generatorByName).reduce((a, b) => a + b, 0);
  const busy = end.machine.busy - start.machine.busy;
  const steal = end.machine.steal - start.machine.steal;
  // Steal is CPU this VM was denied: noise as much as another tenant's process.
  const other = Math.max(0, busy - servers - redis - generator) + steal;
  const [busiestName, busiestSeconds] = Object.entries(generatorByName).sort(
    (a, b) => b[1] - a[1],
  )[0] ?? ['none', 0];
  return {
    wallSec: wall,
    serversSec: servers,
    redisSec: redis,
    generatorSec: generator,
    otherSec: other,
    machineBusySec: busy,
    stealSec: steal,
    otherShare: wall > 0 ? other / (CORES * wall) : 0,
    busiestGenerator: { name: busiestName, coreShare: wall > 0 ? busiestSeconds / wall : 0 },
    generatorCoreShare: Object.fromEntries(
      Object.entries(generatorByName).map(([name, seconds]) => [
        name,
        wall > 0 ? seconds / wall : 0,
      ]),
    ),
  };
}

export { CORES, TICKS };

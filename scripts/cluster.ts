// `npm run cluster`: the Kubernetes deployment on one machine (Redis, replicas, nginx standing in
// for the Ingress on TOPOLOGY.proxyPort), with the replicas' logs interleaved like `stern deliverer`.
// npm runs it as `exec node --import tsx`: no shell or tsx process in between that a signal could
// stop while this process and what it started keep running.
import { createInterface } from 'node:readline';
import { isolateChildren, killAll } from '../deliverer/test/harness/processes.js';
import { LocalCluster } from './cluster/local-cluster.js';
import { type ClusterOptions, USAGE, parseOptions } from './cluster/options.js';
import { say } from './cluster/log.js';

function optionsOrExit(): ClusterOptions {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const options = optionsOrExit();

// Ctrl-C must reach only this script, which stops the replicas before nginx and Redis.
isolateChildren();
// Whatever ends this process, nothing it started outlives it.
process.on('exit', killAll);

const cluster = new LocalCluster(options);
const input = createInterface({ input: process.stdin });
let stopping = false;

async function shutdown(code: number): Promise<never> {
  stopping = true;
  input.close();
  say('stopping: replicas drain, then nginx and Redis stop (Ctrl-C again to kill at once)');
  try {
    await cluster.stop();
  } catch (err) {
    say(`stopping failed: ${(err as Error).message}`);
    code = 1;
  }
  say('stopped');
  process.exit(code);
}

// A terminal's Ctrl-C reaches this process both directly and forwarded by npm, a moment apart; no
// person presses twice that fast.
const REPEAT_MS = 300;
let firstSignalAt = 0;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!stopping) {
      firstSignalAt = Date.now();
      return void shutdown(0);
    }
    if (Date.now() - firstSignalAt < REPEAT_MS) return;
    say(`${signal} again: killing everything`);
    killAll();
    setTimeout(() => process.exit(130), 2000).unref();
    void cluster.afterKill().finally(() => process.exit(130));
  });
}

function rollout(): void {
  cluster.rollout().catch((err: Error) => {
    if (!stopping) say(`rollout stopped: ${err.message}`);
  });
}

try {
  await cluster.start();
} catch (err) {
  if (!stopping) {
    // The rest of the message is the log tail, already streamed above.
    say(`could not start: ${(err as Error).message.split('\n')[0]}`);
    await shutdown(1);
  }
}
if (!stopping) {
  console.log(`\n${cluster.describe()}\n`);
  input.on('line', (line) => {
    if (line.trim() === 'r') rollout();
    else if (line.trim() !== '') say('r + Enter: rollout restart · Ctrl-C: stop');
  });
  if (options.rollout) rollout();
}

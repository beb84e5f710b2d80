/**
 * Every process the bench starts goes through here, in its own process group, so that one
 * handler can kill them all on exit, on error and on SIGINT, children of children included.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { client } from './ipc.mjs';

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();

export function killAll() {
  for (const child of running) killGroup(child);
}

/** @param {import('node:child_process').ChildProcess} child */
export function killGroup(child) {
  try {
    process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
  } catch {
    // Already gone.
  }
}

let handlersInstalled = false;
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAll);
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/**
 * @typedef {{ child: import('node:child_process').ChildProcess, name: string, log: string,
 *   call: (method: string, args?: object, timeoutMs?: number) => Promise<any>, ready: Promise<unknown>,
 *   exited: Promise<{code: number | null, signal: string | null}> }} Managed
 */

/**
 * Spawns a tracked child with an IPC channel; stdout and stderr go to `log`, never to a pipe
 * the bench reads, so a chatty server cannot stall on a full pipe or skew the measurements.
 * @param {string} name
 * @param {string[]} args node arguments
 * @param {{ env?: NodeJS.ProcessEnv, log: string, cwd?: string }} options
 * @returns {Managed}
 */
export function spawnNode(name, args, { env = process.env, log, cwd }) {
  installExitHandlers();
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, args, {
    env,
    cwd,
    detached: true,
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  running.add(child);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const rpc = client(child, name);
  return { child, name, log, call: rpc.call, ready: rpc.ready, exited };
}

/**
 * A non-Node tracked child (redis-server), output to `log`.
 * @param {string} command
 * @param {string[]} args
 * @param {string} log
 */
export function spawnTool(command, args, log) {
  installExitHandlers();
  const fd = openSync(log, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Kills the group and resolves once the process is gone. */
export async function stop(/** @type {Managed} */ managed) {
  if (managed.child.exitCode !== null || managed.child.signalCode !== null) return;
  killGroup(managed.child);
  await managed.exited;
}

/**
 * Resolves once Socket.IO answers an HTTP request on the port. A TCP accept is not enough: a
 * server may bind its port early and hold connections until the app is up. The request is a
 * websocket handshake without the upgrade, which both systems refuse with a 400 and which
 * creates no session.
 */
export async function waitForSocketIo(
  /** @type {number} */ port,
  /** @type {() => boolean} */ alive,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`process for port ${port} exited before answering`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`nothing answered HTTP on port ${port} within ${timeoutMs} ms`);
    const answered = await new Promise((resolve) => {
      const req = get(
        {
          host: '127.0.0.1',
          port,
          path: '/socket.io/?EIO=4&transport=websocket',
          timeout: left,
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(true);
        },
      );
      req.once('timeout', () => req.destroy());
      req.once('error', () => resolve(false));
    });
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when the port accepts a TCP connection, rejects if `alive()` turns false or on timeout. */
export async function waitForPort(
  /** @type {number} */ port,
  /** @type {() => boolean} */ alive,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`process for port ${port} exited before listening`);
    const ok = await new Promise((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The last lines of a log file (those `keep` accepts), for error messages. */
export function tail(
  /** @type {string} */ file,
  lines = 20,
  /** @type {(line: string) => boolean} */ keep = () => true,
) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').filter(keep).slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export const benchFile = (/** @type {string} */ relative) =>
  fileURLToPath(new URL(`../${relative}`, import.meta.url));

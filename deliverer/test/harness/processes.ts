import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Waiters } from './waiters.js';

const running = new Set<ManagedProcess>();
let ownProcessGroups = false;

/**
 * Starts every later child in its own process group. A terminal's Ctrl-C then reaches only this
 * process, which can stop the children in order rather than have them all die at once.
 */
export function isolateChildren(): void {
  ownProcessGroups = true;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose output lines are kept and awaited by pattern; every one is tracked. */
export class ManagedProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private exit?: Exit;
  private readonly waiters = new Waiters();
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly ownGroup = ownProcessGroups;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
    /** false: `env` is the whole environment, for children that must not see the parent's. */
    inheritEnv = true,
  ) {
    this.child = spawn(command, args, {
      env: inheritEnv ? { ...process.env, ...env } : env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.ownGroup,
    });
    for (const [stream, lines] of [
      [this.child.stdout!, this.stdout],
      [this.child.stderr!, this.stderr],
    ] as const) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        for (const listener of this.lineListeners) listener(line);
        this.notify();
      });
    }
    running.add(this);
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.notify();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Calls `listener` with every later stdout and stderr line, e.g. to stream a replica's log. */
  onLine(listener: (line: string) => void): void {
    this.lineListeners.add(listener);
  }

  /** SIGKILL now. A child in its own group dies with its whole group: no orphaned nginx worker. */
  kill(): void {
    if (!this.alive) return;
    try {
      process.kill(this.ownGroup ? -this.pid : this.pid, 'SIGKILL');
    } catch {
      // Already gone: its exit has not been reported yet.
    }
  }

  /** Resolves with the first stdout or stderr line matching `pattern`, past or future. */
  waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return this.waitUntil(
      () => [...this.stdout, ...this.stderr].find((line) => pattern.test(line)),
      `a line matching ${pattern}`,
      timeoutMs,
    );
  }

  /** Stops gracefully (SIGTERM), escalating to SIGKILL if the process overstays `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.alive) return this.exited;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  describe(): string {
    const tail = [...this.stdout.slice(-15), ...this.stderr.slice(-15)].join('\n');
    return `${this.name} (pid ${this.child.pid}, ${this.alive ? 'running' : `exited ${JSON.stringify(this.exit)}`}):\n${tail}`;
  }

  private waitUntil<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return this.waiters.until(check, {
      failure: () =>
        this.alive ? undefined : `${this.name} exited before ${what}\n${this.describe()}`,
      timeout: () => `timed out waiting for ${what}\n${this.describe()}`,
      timeoutMs,
    });
  }

  private notify(): void {
    this.waiters.notify();
  }
}

/** Kills every process the harness started, at once; for exits that cannot wait. */
export function killAll(): void {
  for (const proc of running) proc.kill();
}

/** Stops every process the harness started; call it from afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop()));
}

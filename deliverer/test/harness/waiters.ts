/**
 * Conditions waited on by event, not by polling: whoever changes the state calls notify(), and
 * every pending check runs again. Each wait ends on its answer, on `failure`, or at its timeout.
 */
export class Waiters {
  private readonly pending = new Set<() => void>();

  notify(): void {
    for (const attempt of [...this.pending]) attempt();
  }

  until<T>(
    check: () => T | undefined,
    {
      failure,
      timeout,
      timeoutMs,
    }: { failure: () => string | undefined; timeout: () => string; timeoutMs: number },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const found = check();
        if (found !== undefined) return done(() => resolve(found));
        const failed = failure();
        if (failed !== undefined) done(() => reject(new Error(failed)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(timeout()))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.pending.delete(attempt);
        settle();
      };
      this.pending.add(attempt);
      attempt();
    });
  }
}

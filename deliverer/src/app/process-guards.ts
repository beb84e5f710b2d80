import type { LoggerService } from '@nestjs/common';

let unhandledRejections = 0;

export function unhandledRejectionCount(): number {
  return unhandledRejections;
}

/**
 * A library promise nobody handles (redis-adapter's publish(), for one) must not take the replica
 * and every client on it down: log it, count it, keep serving.
 */
export function installProcessGuards(logger: LoggerService): void {
  process.on('unhandledRejection', (reason) => {
    unhandledRejections += 1;
    logger.error(
      { err: reason, count: unhandledRejections },
      'unhandled promise rejection (kept running)',
      'Process',
    );
  });
}

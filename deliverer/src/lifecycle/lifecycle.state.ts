import { Injectable, Logger } from '@nestjs/common';

/** Whether this replica is draining; readiness and the handshake gate read it. */
@Injectable()
export class LifecycleState {
  private readonly logger = new Logger('Lifecycle');
  private drainingSince?: number;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(signal: string): void {
    if (this.draining) return;
    this.drainingSince = Date.now();
    this.logger.log({ signal }, 'draining: readiness 503, new handshakes refused with 503');
  }
}

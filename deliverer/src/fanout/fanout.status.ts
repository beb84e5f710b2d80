import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, type AdapterKind } from '../config/app.config.js';

export interface FanoutState {
  adapter: AdapterKind;
  up: boolean;
  /** Why the backend is down; absent while it is up. */
  reason?: string;
  /** Epoch ms of the last transition. */
  since: number;
}

/**
 * Whether cross-replica fan-out works right now. The adapter reports into it; readiness reads it.
 * Transitions are logged once each, so an outage is one line however many retries it takes.
 */
@Injectable()
export class FanoutStatus {
  private readonly logger = new Logger('Fanout');
  private state: FanoutState;
  private denied?: { reason: string; since: number };

  constructor(config: AppConfig) {
    // Until the adapter has connected, a Redis-backed replica is not ready.
    this.state =
      config.adapter === 'memory'
        ? { adapter: config.adapter, up: true, since: Date.now() }
        : { adapter: config.adapter, up: false, reason: 'connecting', since: Date.now() };
  }

  get current(): Readonly<FanoutState> {
    // A refused permission outlasts reconnects and answered PINGs, so it overrides them.
    return this.denied ? { adapter: this.state.adapter, up: false, ...this.denied } : this.state;
  }

  /** A Redis permission the adapter lacks, or undefined once granted; the reporter logs it. */
  reportDenied(reason: string | undefined): void {
    this.denied = reason === undefined ? undefined : { reason, since: Date.now() };
  }

  reportUp(): void {
    if (this.state.up) return;
    const downMs = Date.now() - this.state.since;
    if (this.state.reason !== 'connecting') {
      this.logger.log({ adapter: this.state.adapter, downMs }, 'fan-out backend is back');
    }
    this.state = { adapter: this.state.adapter, up: true, since: Date.now() };
  }

  reportDown(reason: string): void {
    if (!this.state.up) return;
    this.logger.warn(
      { adapter: this.state.adapter, reason },
      'fan-out backend is down; serving local clients only until it returns',
    );
    this.state = { adapter: this.state.adapter, up: false, reason, since: Date.now() };
  }
}

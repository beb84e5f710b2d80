import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type Observable, tap } from 'rxjs';
import { DelivererError } from '../events/deliverer.error.js';
import { Metrics } from './metrics.js';
import { resultOf } from './event-results.js';

/**
 * Counts every dispatched event by result and times it from dispatch to ack. Payload validation
 * runs inside (pipes run within the handler call), so `invalid` is counted here too; refusals of
 * the edge guard never reach Nest and are counted by the guard.
 */
@Injectable()
export class EventMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const event = String(context.switchToWs().getPattern());
    const started = performance.now();
    const record = (result: string) => {
      this.metrics.countEvent(event, result);
      this.metrics.timeEvent(event, (performance.now() - started) / 1000);
    };
    return next.handle().pipe(
      tap({
        next: (ack) => record(resultOf((ack as { code?: string } | undefined)?.code)),
        error: (err: unknown) =>
          record(resultOf(err instanceof DelivererError ? err.code : 'internal_error')),
      }),
    );
  }
}

import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Metrics } from '../metrics/metrics.js';

/** Counts every API request by the status it ended with, whichever check answered it. */
@Injectable()
export class ApiMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(_req: Request, res: Response, next: () => void): void {
    res.once('finish', () => this.metrics.apiRequests.labels(String(res.statusCode)).inc());
    next();
  }
}

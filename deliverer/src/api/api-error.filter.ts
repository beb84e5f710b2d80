import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { DelivererError } from '../events/deliverer.error.js';
import type { ApiErrorCode } from './api.contract.js';
import { ApiError } from './api.error.js';

/** Nest's own HTTP exceptions, should one reach an API route, as API codes. */
const CODE_OF_STATUS: Readonly<Record<number, ApiErrorCode>> = {
  400: 'invalid_payload',
  401: 'unauthorized',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Every failure of an API route as `{ status: 'error', code, message }` JSON with its status:
 * never an HTML page or a stack. Errors nobody meant the caller to see are logged and become a
 * bare 500; a client's mistake never does.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('PublishApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const error = this.toApiError(exception);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(error.status).set(error.headers).json(error.toBody());
  }

  private toApiError(exception: unknown): ApiError {
    if (exception instanceof ApiError) return exception;
    // The contract pipe's schema errors: its messages name the field and what it accepts.
    if (exception instanceof DelivererError && exception.code === 'invalid_payload') {
      return new ApiError(400, 'invalid_payload', exception.message);
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      return new ApiError(status, CODE_OF_STATUS[status] ?? 'invalid_payload', exception.message);
    }
    this.logger.error({ err: exception }, 'publish API request failed');
    return new ApiError(500, 'internal_error', 'the server could not handle this request');
  }
}

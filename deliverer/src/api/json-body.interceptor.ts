import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import { type Observable, from, mergeMap } from 'rxjs';
import { AppConfig } from '../config/app.config.js';
import { ApiError } from './api.error.js';

/**
 * The largest body the publish API reads. A JSON encoder may write every UTF-16 unit of the text
 * as a six-byte `\uXXXX` escape (Python's json.dumps does, for anything outside ASCII), so a text
 * at MAX_TEXT_LENGTH can take six bytes a character; 16 KiB more covers the room (64), the
 * idempotency key (128), also escaped, the field names and any whitespace. With the defaults that
 * is 28 KB rather than MAX_PAYLOAD_BYTES' 1 MB, and never more than MAX_PAYLOAD_BYTES: no request
 * is bigger than what a socket may send.
 */
export function bodyLimitBytes(config: AppConfig): number {
  return Math.min(config.maxPayloadBytes, 6 * config.maxTextLength + 16 * 1024);
}

type BodyParserError = Error & { type?: string; status?: number };

/**
 * Reads the JSON body of the API routes only, and only once the guards have admitted the request
 * (app-wide parsing is off, see bootstrap.ts): a caller without a valid key or over its rate
 * costs no parse. Parser failures become the API's JSON errors, never Express' HTML page.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly limit: number;
  private parser?: Promise<RequestHandler>;

  constructor(config: AppConfig) {
    this.limit = bodyLimitBytes(config);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return from(this.read(http.getRequest<Request>(), http.getResponse<Response>())).pipe(
      mergeMap(() => next.handle()),
    );
  }

  private async read(req: Request, res: Response): Promise<void> {
    // null: no body at all, which the schema refuses like an empty object.
    if (req.is('application/json') === false) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        'send the body as Content-Type: application/json',
      );
    }
    const parse = await this.jsonParser();
    await new Promise<void>((resolve, reject) =>
      parse(req, res, (err?: unknown) =>
        err ? reject(this.toApiError(err as BodyParserError)) : resolve(),
      ),
    );
  }

  /**
   * Express' own JSON parser (body-parser), imported on the first request, like the OpenAPI
   * document: a static import pulled Express into the bundle's first chunk, and cost about 10 ms
   * of boot in paired measurements.
   */
  private jsonParser(): Promise<RequestHandler> {
    // Content-Type is checked before; strict: false leaves "not an object" to the schema, so the
    // parser fails only on malformed JSON.
    this.parser ??= import('express').then(({ default: express }) =>
      express.json({ limit: this.limit, strict: false, type: () => true }),
    );
    return this.parser;
  }

  private toApiError(err: BodyParserError): Error {
    switch (err.type) {
      case 'entity.too.large':
        return new ApiError(
          413,
          'payload_too_large',
          `the body must be at most ${this.limit} bytes`,
        );
      case 'entity.parse.failed':
        // The parser's own message quotes the input; a fixed one does not echo it back.
        return new ApiError(400, 'invalid_payload', 'the body is not valid JSON');
      case 'encoding.unsupported':
        return new ApiError(
          415,
          'unsupported_media_type',
          'Content-Encoding must be identity, gzip, deflate or br',
        );
      case 'charset.unsupported':
        return new ApiError(415, 'unsupported_media_type', 'the charset must be utf-8');
      default:
        // An aborted upload or a Content-Length the body does not match.
        return err.status !== undefined && err.status < 500
          ? new ApiError(400, 'invalid_payload', 'the body could not be read')
          : err;
    }
  }
}

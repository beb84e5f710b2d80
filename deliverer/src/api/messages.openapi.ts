import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  type ApiResponseOptions,
  ApiTags,
} from '@nestjs/swagger';
import {
  type ApiErrorBody,
  type ApiErrorCode,
  IDEMPOTENT_REPLAYED_HEADER,
} from './api.contract.js';

/**
 * The OpenAPI description of the messages controller, as decorators kept beside it. They only
 * point at component schemas: the document (openapi.ts) fills those in from the zod contract at
 * run time, since the body's limits come from the configuration.
 */
export const API_KEY_SCHEME = 'apiKey';
export type SchemaName = 'PublishRequest' | 'PublishAccepted' | 'ApiError';

const schemaRef = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

/** A component schema with an example; OpenAPI 3.0 ignores what stands beside a bare $ref. */
const withExample = (name: SchemaName, example: object) => ({
  allOf: [schemaRef(name)],
  example,
});

type ResponseHeaders = NonNullable<Extract<ApiResponseOptions, { headers?: unknown }>['headers']>;

/** An error status, with the API's error body and an example of it. */
function errorResponse(
  status: number,
  code: ApiErrorCode,
  description: string,
  message: string,
  extra: { headers?: ResponseHeaders; retryAfterMs?: number } = {},
): ApiResponseOptions {
  const example: ApiErrorBody = {
    status: 'error',
    code,
    message,
    ...(extra.retryAfterMs !== undefined && { retryAfterMs: extra.retryAfterMs }),
  };
  return {
    status,
    description,
    schema: withExample('ApiError', example),
    ...(extra.headers && { headers: extra.headers }),
  };
}

const RETRY_AFTER = { description: 'Seconds to wait', schema: { type: 'integer' } } as const;

/** How the document describes the controller: tag and bearer security. */
export const MessagesControllerDocs = () =>
  applyDecorators(ApiTags('messages'), ApiBearerAuth(API_KEY_SCHEME));

/** How the document describes POST /api/v1/messages: every status, with examples. */
export const PublishMessageDocs = () =>
  applyDecorators(
    ApiOperation({
      operationId: 'publishMessage',
      summary: 'Publish a message to every client, or to the members of one room',
      description:
        'Clients on every replica receive it as a `broadcast_event` with `sender: "api"`. ' +
        'With an `idempotencyKey`, a retry within 5 minutes (to any replica) is delivered once ' +
        'and answered with the first id. A 503 means the outcome is unknown: retry with the same ' +
        'idempotencyKey.',
    }),
    ApiConsumes('application/json'),
    ApiProduces('application/json'),
    ApiBody({
      required: true,
      schema: withExample('PublishRequest', {
        text: 'Deploy 4711 finished',
        room: 'ops',
        idempotencyKey: 'deploy-4711',
      }),
    }),
    ApiResponse({
      status: 202,
      description: 'Accepted and sent (or, on a replay, sent before)',
      schema: withExample('PublishAccepted', {
        status: 'ok',
        id: '0b5e1c52-3f7c-4d0c-9a44-2a8f0b1e6d7a',
      }),
      headers: {
        [IDEMPOTENT_REPLAYED_HEADER]: {
          description: '`true` when the idempotencyKey was seen before and nothing was sent',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    }),
    ApiResponse(
      errorResponse(
        400,
        'invalid_payload',
        'Malformed JSON, or a body the schema refuses',
        'unknown field "txt"',
      ),
    ),
    ApiResponse(
      errorResponse(401, 'unauthorized', 'Missing or unknown API key', 'unknown API key', {
        headers: {
          'WWW-Authenticate': { description: 'The Bearer challenge', schema: { type: 'string' } },
        },
      }),
    ),
    ApiResponse(
      errorResponse(
        404,
        'api_disabled',
        'The API is off: API_KEYS is not set',
        'set API_KEYS to enable the publish API',
      ),
    ),
    ApiResponse(
      errorResponse(
        413,
        'payload_too_large',
        'The body is larger than the limit in the description above',
        'the body must be at most 28384 bytes',
      ),
    ),
    ApiResponse(
      errorResponse(
        415,
        'unsupported_media_type',
        'The body is not application/json (UTF-8)',
        'send the body as Content-Type: application/json',
      ),
    ),
    ApiResponse(
      errorResponse(
        429,
        'rate_limited',
        "The key's rate limit is spent; retryAfterMs says for how long",
        'too many requests for this API key; retry later',
        { headers: { 'Retry-After': RETRY_AFTER }, retryAfterMs: 20 },
      ),
    ),
    ApiResponse(
      errorResponse(
        500,
        'internal_error',
        'An unexpected failure, logged by the server',
        'the server could not handle this request',
      ),
    ),
    ApiResponse(
      errorResponse(
        503,
        'unavailable',
        'Redis did not answer in time: the message may or may not go out; retry with the same idempotencyKey',
        'Redis did not answer within 1000 ms; retry later',
        { headers: { 'Retry-After': RETRY_AFTER } },
      ),
    ),
  );

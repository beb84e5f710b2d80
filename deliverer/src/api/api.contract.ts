/**
 * The HTTP publish API's contract: what a backend service sends and what it gets back.
 *
 * The field rules are the socket contract's own (events.contract.ts), so a message is valid over
 * HTTP exactly when it would be valid as an `input_event`. The OpenAPI document is generated from
 * these schemas (openapi.ts), never copied by hand.
 */
import { z } from 'zod';
import { inputEventSchema, roomSchema } from '../events/events.contract.js';

/** Every `code` an API error can carry. */
export const API_ERROR_CODES = [
  'invalid_payload',
  'unauthorized',
  'api_disabled',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  /** A dependency (Redis) did not answer in time; the message may or may not have gone out. */
  'unavailable',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Sent with 202 when the idempotency key was seen before: nothing was sent again. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** Chosen by the caller, e.g. a UUID or `order-42:shipped`; scoped to its API key. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Builds the body schema for one configured text limit, as `inputEventSchema` does. */
export const publishRequestSchema = (maxTextLength: number) => {
  // The socket contract's field schemas themselves: same trimming, limits, regexes and messages.
  const { text } = inputEventSchema(maxTextLength).out.shape;
  const { room } = roomSchema.shape;
  return z.strictObject(
    {
      text: text.describe(
        `The message; leading and trailing whitespace is trimmed, then 1 to ${maxTextLength} characters remain`,
      ),
      room: room
        .optional()
        .describe("Only this room's members get the message; without it, everybody (the lobby)"),
      idempotencyKey: z
        .string({ error: 'idempotencyKey must be a string' })
        .regex(IDEMPOTENCY_KEY, {
          error: 'idempotencyKey must be 1 to 128 letters, digits, _, ., : or -',
        })
        .optional()
        .describe(
          'A retry with the same key within 5 minutes is delivered once and answered with the first id',
        ),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`
          : 'body must be a JSON object { text: string, room?: string, idempotencyKey?: string }',
    },
  );
};
export type PublishRequest = z.output<ReturnType<typeof publishRequestSchema>>;

export const publishAcceptedSchema = z.strictObject({
  status: z.literal('ok'),
  /** The `id` of the `broadcast_event` the clients get. */
  id: z.string().describe('The id of the broadcast_event that clients receive'),
});
export type PublishAccepted = z.output<typeof publishAcceptedSchema>;

export const apiErrorSchema = z.strictObject({
  status: z.literal('error'),
  code: z.enum(API_ERROR_CODES),
  message: z.string().describe('What to fix, for a person; never a stack trace'),
  retryAfterMs: z
    .int()
    .nonnegative()
    .optional()
    .describe('With rate_limited: when the next request will be accepted'),
});
export type ApiErrorBody = z.output<typeof apiErrorSchema>;

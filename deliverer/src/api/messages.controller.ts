import {
  Body,
  Controller,
  HttpCode,
  Post,
  Res,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'express';
import { MessagePublisher } from '../events/message.publisher.js';
import { RedisLink } from '../fanout/redis-link.js';
import {
  IDEMPOTENT_REPLAYED_HEADER,
  type PublishAccepted,
  type PublishRequest,
} from './api.contract.js';
import { ApiErrorFilter } from './api-error.filter.js';
import { ApiKeyGuard, ApiKeyId } from './api-key.guard.js';
import { ApiRateGuard } from './api-rate.guard.js';
import { JsonBodyInterceptor } from './json-body.interceptor.js';
import { MessagesControllerDocs, PublishMessageDocs } from './messages.openapi.js';
import { PublishRequestPipe } from './publish-request.pipe.js';
import { RedisDeadline } from './redis-deadline.js';

/** The HTTP publish API: backend services post messages that every replica's clients receive. */
@MessagesControllerDocs()
@UseFilters(ApiErrorFilter)
@Controller('api/v1')
export class MessagesController {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly redis: RedisLink,
    private readonly deadline: RedisDeadline,
  ) {}

  @Post('messages')
  @HttpCode(202)
  // Key first, then rate, then the body: the order of the checks is the order of their cost.
  @UseGuards(ApiKeyGuard, ApiRateGuard)
  @UseInterceptors(JsonBodyInterceptor)
  @PublishMessageDocs()
  async publish(
    @ApiKeyId() keyId: string,
    @Body(PublishRequestPipe) body: PublishRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PublishAccepted> {
    const { text, room, idempotencyKey } = body;
    // Scoped by the key, so two services that pick the same idempotency key never collide.
    const dedupeKey = idempotencyKey === undefined ? undefined : `api:${keyId}:${idempotencyKey}`;
    const publish = () => this.publisher.publish({ text, sender: 'api', room }, dedupeKey);
    const { id, replayed } = this.redis.current
      ? await this.deadline.run(publish, 'API publish')
      : await publish();
    if (replayed) res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return { status: 'ok', id };
  }
}

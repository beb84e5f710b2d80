import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { AppConfig } from '../config/app.config.js';
import { DelivererError } from './deliverer.error.js';
import {
  inputEventSchema,
  refreshTokenSchema,
  roomSchema,
  setProfileSchema,
} from './events.contract.js';

/** Checks one event's payload against its schema from the contract, at the edge. */
export class ContractPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    // The first issue is enough for a person to fix the payload; the schemas phrase it fully.
    throw new DelivererError(
      'invalid_payload',
      result.error.issues[0]?.message ?? 'invalid payload',
    );
  }
}

@Injectable()
export class InputEventPipe extends ContractPipe<ReturnType<typeof inputEventSchema>> {
  constructor(config: AppConfig) {
    super(inputEventSchema(config.maxTextLength));
  }
}

@Injectable()
export class SetProfilePipe extends ContractPipe<typeof setProfileSchema> {
  constructor() {
    super(setProfileSchema);
  }
}

@Injectable()
export class RoomPipe extends ContractPipe<typeof roomSchema> {
  constructor() {
    super(roomSchema);
  }
}

@Injectable()
export class RefreshTokenPipe extends ContractPipe<typeof refreshTokenSchema> {
  constructor() {
    super(refreshTokenSchema);
  }
}

import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app.config.js';
import { ContractPipe } from '../events/contract.pipe.js';
import { publishRequestSchema } from './api.contract.js';

/** The body against the contract, with the socket contract's messages (DelivererError → 400). */
@Injectable()
export class PublishRequestPipe extends ContractPipe<ReturnType<typeof publishRequestSchema>> {
  constructor(config: AppConfig) {
    super(publishRequestSchema(config.maxTextLength));
  }
}

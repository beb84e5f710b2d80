import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  createParamDecorator,
} from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app.config.js';
import { ApiError } from './api.error.js';
import { ApiKeyRing } from './api-keys.js';

const KEY_ID = Symbol('apiKeyId');
type AuthenticatedRequest = Request & { [KEY_ID]?: string };

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Admits a request bearing one of API_KEYS, before anything reads its body. Without any key
 * configured the API is off, and says so rather than asking for a key nobody could have.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeyRing;

  constructor(config: AppConfig) {
    this.keys = new ApiKeyRing(config.api.keys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.enabled) {
      throw new ApiError(404, 'api_disabled', 'set API_KEYS to enable the publish API');
    }
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    if (!header) throw ApiError.unauthorized('send an API key as Authorization: Bearer <key>');
    const presented = BEARER.exec(header)?.[1];
    const id = presented === undefined ? undefined : this.keys.identify(presented);
    if (id === undefined) throw ApiError.unauthorized('unknown API key', 'invalid_token');
    req[KEY_ID] = id;
    return true;
  }
}

/** The id (never the key) of the API key the guard admitted the request with. */
export const ApiKeyId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => {
    const id = context.switchToHttp().getRequest<AuthenticatedRequest>()[KEY_ID];
    if (id === undefined) throw new Error('ApiKeyId used on a route without ApiKeyGuard');
    return id;
  },
);

/** For guards that run after ApiKeyGuard. */
export function apiKeyIdOf(req: Request): string | undefined {
  return (req as AuthenticatedRequest)[KEY_ID];
}

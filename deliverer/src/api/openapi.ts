import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import type { AppConfig } from '../config/app.config.js';
import { apiErrorSchema, publishAcceptedSchema, publishRequestSchema } from './api.contract.js';
import { ApiModule } from './api.module.js';
import { bodyLimitBytes } from './json-body.interceptor.js';
import { API_KEY_SCHEME, type SchemaName } from './messages.openapi.js';

/** The publish API's OpenAPI 3.0 document: routes from the controller, schemas from zod. */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const info = new DocumentBuilder()
    .setTitle('deliverer publish API')
    .setDescription(
      'Lets backend services publish messages to the clients of every replica. Requests carry ' +
        'one of the keys of API_KEYS as a bearer token and are rate-limited per key ' +
        `(${describeRate(config)}); bodies are JSON of at most ${bodyLimitBytes(config)} bytes. ` +
        'Every error is `{ status: "error", code, message }`.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'One of the keys of API_KEYS',
      },
      API_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, info, { include: [ApiModule] });
  // Input for the request (what a caller may send), output for the responses (what it gets).
  const schemas: Record<SchemaName, object> = {
    PublishRequest: z.toJSONSchema(publishRequestSchema(config.maxTextLength), {
      target: 'openapi-3.0',
      io: 'input',
    }),
    PublishAccepted: z.toJSONSchema(publishAcceptedSchema, { target: 'openapi-3.0' }),
    ApiError: z.toJSONSchema(apiErrorSchema, { target: 'openapi-3.0' }),
  };
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...schemas },
  };
  return document;
}

function describeRate({ api: { ratePerSec, burst } }: AppConfig): string {
  return ratePerSec === 0 ? 'off here' : `${ratePerSec} per second, bursts of ${burst}`;
}

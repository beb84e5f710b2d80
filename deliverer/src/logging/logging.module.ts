import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app.config.js';
import { pinoOptions } from './pino-options.js';

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          ...pinoOptions(config),
          // A failed request is logged with its headers: the publish API's bearer key is a secret.
          redact: { paths: ['req.headers.authorization'], censor: '[redacted]' },
          // Probes and static files would drown the log at info; failures still show.
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
        },
      }),
    }),
  ],
})
export class LoggingModule {}

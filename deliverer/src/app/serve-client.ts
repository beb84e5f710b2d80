import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '../config/app.config.js';

/** Serves the built Vue client at `/`, so one port serves the page and the gateway. */
export function serveClient(
  app: NestExpressApplication,
  config: AppConfig,
  logger: LoggerService,
): void {
  if (!existsSync(join(config.clientDir, 'index.html'))) {
    logger.warn(
      { clientDir: config.clientDir },
      'no built client found; run `npm run build` to serve it at /',
      'Bootstrap',
    );
    return;
  }
  // No directory redirects: the static server's own 301 would replace the security headers.
  app.useStaticAssets(config.clientDir, { index: 'index.html', maxAge: '1h', redirect: false });
}

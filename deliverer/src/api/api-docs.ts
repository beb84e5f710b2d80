import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';
import type { AppConfig } from '../config/app.config.js';

export const DOCS_PATH = '/api/docs';
export const DOCS_JSON_PATH = '/api/docs-json';

/**
 * Swagger UI's own index.html and @nestjs/swagger's page (SwaggerModule.setup) both need inline
 * <script> or <style>, which the origin-wide Content-Security-Policy (security-headers.ts) refuses.
 * This page has neither: markup, the stylesheet and two external scripts, all from 'self', so the
 * policy stays one for every route. Swagger UI itself styles elements only through the CSSOM,
 * which style-src does not govern.
 */
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>deliverer publish API</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/init.js"></script>
  </body>
</html>
`;

// No validator badge: it would fetch an image from validator.swagger.io, which img-src refuses.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(DOCS_JSON_PATH)},
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
  validatorUrl: null,
});
`;

/** Only what the page loads: swagger-ui-dist also holds pages with inline scripts, never served. */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'];

/**
 * Serves the OpenAPI document at /api/docs-json and Swagger UI at /api/docs. Nothing is built at
 * boot: the document (and @nestjs/swagger's scanner with it) is made on the first request for it,
 * so a restarted replica listens no later for having docs. Served whether or not API_KEYS is set:
 * it describes the contract, and holds no secret.
 */
export function serveApiDocs(app: NestExpressApplication, config: AppConfig): void {
  const logger = new Logger('ApiDocs');
  const http: Express = app.getHttpAdapter().getInstance();
  let document: Promise<string> | undefined;
  let assetsDir: string | undefined;

  http.get(DOCS_JSON_PATH, async (_req: Request, res: Response) => {
    document ??= import('./openapi.js').then(({ buildOpenApiDocument }) =>
      JSON.stringify(buildOpenApiDocument(app, config)),
    );
    try {
      res.type('application/json').send(await document);
    } catch (err) {
      document = undefined;
      logger.error({ err }, 'could not build the OpenAPI document');
      res.status(500).json({
        status: 'error',
        code: 'internal_error',
        message: 'the document could not be built',
      });
    }
  });
  http.get(DOCS_PATH, (_req: Request, res: Response) => {
    res.type('text/html').send(PAGE);
  });
  http.get(`${DOCS_PATH}/init.js`, (_req: Request, res: Response) => {
    res.type('text/javascript').send(INIT_SCRIPT);
  });
  for (const asset of ASSETS) {
    http.get(`${DOCS_PATH}/${asset}`, (_req: Request, res: Response) => {
      // swagger-ui-dist is external to the bundle and read from node_modules (scripts/bundle.mjs).
      assetsDir ??= dirname(
        createRequire(import.meta.url).resolve('swagger-ui-dist/swagger-ui-bundle.js'),
      );
      res.sendFile(asset, { root: assetsDir, maxAge: '1d' }, (err?: Error) => {
        if (!err || res.headersSent) return;
        logger.error({ err, asset }, 'could not serve a Swagger UI file');
        res.status(404).json({ status: 'error', code: 'not_found', message: 'no such file' });
      });
    });
  }
}

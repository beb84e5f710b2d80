import { type Server, createServer } from 'node:http';
import { listenOn } from '../app/listen.js';

export interface Exposition {
  contentType: string;
  metrics(): Promise<string>;
}

/**
 * The scrape endpoint on its own port: GET /metrics and nothing else, so the public port never
 * serves it and a NetworkPolicy can admit only Prometheus to it.
 */
export async function listenForScrapes(
  exposition: Exposition,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    exposition.metrics().then(
      (body) => res.writeHead(200, { 'content-type': exposition.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  // A scrape is one short request; an idle keep-alive connection must not hold shutdown.
  server.keepAliveTimeout = 5000;
  await listenOn(server, port, host, 'METRICS_PORT');
  return server;
}

export function closeScrapes(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

import type { Server } from 'node:net';
import { ConfigError } from '../config/env.parsers.js';

/**
 * Listens, turning a port that is taken or not allowed into the one-line ConfigError that names
 * the variable it came from (main.ts prints it and exits 1).
 */
export function listenOn(server: Server, port: number, host: string, variable: string) {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new ConfigError(variable, 'a port this process can listen on', String(port))
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

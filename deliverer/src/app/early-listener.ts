import type { Server as HttpServer } from 'node:http';
import { type Server, type Socket, createServer } from 'node:net';
import { listenOn } from './listen.js';

export interface EarlyListener {
  /** The bound listening server, for `app.listen()` to adopt (Node accepts a server as handle). */
  readonly handle: Server;
  /** Gives the connections held so far to the app's HTTP server, which now owns the port. */
  release(http: HttpServer): void;
}

/**
 * Binds PORT before the app loads, which takes ~0.8 s of imports and Nest init, and holds the
 * connections that arrive meanwhile. After a crash or a restart, clients reconnect with backoff:
 * a refused connect sends each into another 1–5 s wait, a held one is answered once the app is up.
 */
export async function listenEarly(port: number, host: string): Promise<EarlyListener> {
  const server = createServer({ pauseOnConnect: true });
  const held = new Set<Socket>();
  const hold = (socket: Socket) => {
    held.add(socket);
    socket.once('close', () => held.delete(socket));
  };
  server.on('connection', hold);
  await listenOn(server, port, host, 'PORT');
  return {
    handle: server,
    release(http) {
      server.off('connection', hold);
      for (const socket of held) {
        http.emit('connection', socket);
        socket.resume();
      }
      held.clear();
    },
  };
}

import type { Server } from 'socket.io';

/**
 * @socket.io/sticky binds a session to its worker when the worker reports the new session id, on
 * Engine.IO's `connection` event: after the handshake response is already on its way. A client's
 * next request (a new TCP connection through the primary, since sticky turns keep-alive off) can
 * beat that report, get routed round-robin to the other worker, and fail with "Session ID unknown"
 * (measured: 7 to 9 of 300 handshakes with two workers). Reporting the id while it is generated,
 * before any response, closes that race; sticky's own later report repeats the same binding.
 */
export function bindSessionsBeforeHandshake(io: Server): void {
  const engine = io.engine as unknown as {
    generateId: (req: unknown) => string | PromiseLike<string>;
  };
  const generate = engine.generateId.bind(engine);
  engine.generateId = async (req) => {
    const id = await generate(req);
    await new Promise<void>((resolve) => {
      if (!process.send) return resolve();
      // The callback fires once the message is handed to the IPC channel, ahead of the response.
      process.send({ type: 'sticky:connection', data: id }, undefined, {}, () => resolve());
    });
    return id;
  };
}

import type { Logger } from '@nestjs/common';
import type { Server as EngineServer, Socket as EngineSocket } from 'engine.io';
import { engineSessions } from './engine-io.js';

// Often enough that a stalled client cannot pile up more than a second of broadcasts.
const SWEEP_INTERVAL_MS = 1000;

interface Internals {
  id: string;
  writeBuffer: { data?: unknown }[];
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
}

/** Bytes queued for one client: Engine.IO's write buffer plus what its websocket holds unsent. */
export function pendingBytes(conn: EngineSocket): number {
  const { writeBuffer, transport } = conn as unknown as Internals;
  let bytes = transport.socket?.bufferedAmount ?? 0;
  for (const packet of writeBuffer) {
    const { data } = packet;
    if (typeof data === 'string') bytes += data.length;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) bytes += data.byteLength;
  }
  return bytes;
}

/**
 * Drops clients that do not read what they are sent (a frozen tab, a stalled network), before
 * their buffers grow the replica's memory without bound (engine.io#420). "forced close" keeps the
 * session recoverable: a client that wakes up resumes from its offset.
 */
export function dropSlowConsumers(
  engine: EngineServer,
  maxBufferedBytes: number,
  logger: Logger,
  dropped: () => void = () => undefined,
): () => void {
  const sweep = () => {
    try {
      for (const conn of Object.values(engineSessions(engine))) {
        const bytes = pendingBytes(conn);
        if (bytes <= maxBufferedBytes) continue;
        logger.warn(
          {
            sid: (conn as unknown as Internals).id,
            transport: conn.transport.name,
            bufferedBytes: bytes,
            maxBufferedBytes,
          },
          'dropping a slow consumer',
        );
        conn.close(true);
        dropped();
        // ws would wait up to 30 s for the frozen peer's closing handshake, holding its buffer.
        (conn as unknown as Internals).transport.socket?.terminate?.();
      }
    } catch (err) {
      logger.error({ err }, 'slow consumer sweep failed');
    }
  };
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
  return () => clearInterval(timer);
}

// The baseline: plain Socket.IO 4 with the same adapter, Redis client and event semantics as
// deliverer, so the difference between the two is what NestJS and deliverer add.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 3000);
const NODE_NAME = process.env.POD_NAME ?? 'baseline';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const pub = new Redis(REDIS_URL);
const sub = pub.duplicate();
// Listening before Redis is ready would accept clients whose broadcasts go nowhere.
await Promise.all([pub, sub].map((c) => new Promise((ok) => c.once('ready', ok))));

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  adapter: createAdapter(pub, sub),
});

io.on('connection', (socket) => {
  socket.on('input_event', (payload, ack) => {
    const text = typeof payload === 'string' ? payload : payload?.text;
    if (typeof text !== 'string' || text.length === 0 || text.length > 1000) {
      if (typeof ack === 'function') ack({ status: 'error', code: 'invalid_payload' });
      return;
    }
    const id = randomUUID();
    // Broadcast before the ack, in the order deliverer's gateway does it.
    io.emit('broadcast_event', {
      id,
      text,
      sender: socket.id,
      node: NODE_NAME,
      sentAt: Date.now(),
    });
    if (typeof ack === 'function') ack({ status: 'ok', id });
  });
});

httpServer.listen(PORT);

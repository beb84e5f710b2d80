// A socket.io-client in its own process, for tests that must freeze it (SIGSTOP) or load the
// gateway without sharing the test's event loop. Prints JSON lines.
//
//   node socket-client.mjs listen URL          connects and keeps reading broadcasts
//   node socket-client.mjs flood URL RATE MS   sends RATE input_events per second for MS ms,
//                                              then prints the acks it got by status or code
import { io } from 'socket.io-client';

const [mode, url, rate, durationMs] = process.argv.slice(2);
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const socket = io(url, { transports: ['websocket'], reconnection: false });
let received = 0;
socket.on('broadcast_event', () => received++);
socket.on('disconnect', (reason) => say({ event: 'disconnected', reason, received }));
socket.on('connect_error', (err) => {
  say({ event: 'connect_error', message: err.message });
  process.exit(1);
});

socket.once('connect', async () => {
  say({ event: 'connected' });
  if (mode !== 'flood') return;
  const counts = {};
  const pending = [];
  // Batches every 10 ms: timers are too coarse for one event per millisecond.
  const perBatch = Math.max(1, Math.round(Number(rate) / 100));
  const until = Date.now() + Number(durationMs);
  while (Date.now() < until && socket.connected) {
    for (let i = 0; i < perBatch; i++) {
      pending.push(
        socket
          .timeout(10_000)
          .emitWithAck('input_event', 'flood')
          .then(
            (ack) => ack.code ?? ack.status,
            () => 'no_ack',
          )
          .then((key) => (counts[key] = (counts[key] ?? 0) + 1)),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(pending);
  say({ event: 'done', counts });
  socket.close();
});

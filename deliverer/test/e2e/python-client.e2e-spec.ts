import { fileURLToPath } from 'node:url';
import { Cluster } from '../harness/cluster.js';
import { connectClient, waitForBroadcast } from '../harness/clients.js';
import { ManagedProcess } from '../harness/processes.js';

const SCRIPT = fileURLToPath(new URL('../clients/python_client.py', import.meta.url));
// Debian's python3-socketio lives in the system interpreter, not in a pyenv or venv on PATH.
const PYTHON = '/usr/bin/python3';

function lineFor(event: string) {
  return new RegExp(`^\\{"event": "${event}"`);
}

describe('a Python (python3-socketio) client', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start('redis', 2);
  });
  afterAll(() => cluster.stop());

  test('on replica B receives what a socket.io-client sent through A, and its own send is acked ok', async () => {
    const [a, b] = cluster.nodes;
    const python = new ManagedProcess('python-client', PYTHON, [SCRIPT, b!.url]);
    await python.waitForLine(lineFor('connected'));

    const jsClient = await connectClient(a!.url);
    const ack = await jsClient.timeout(5000).emitWithAck('input_event', { text: 'hello python' });
    const broadcast = JSON.parse(await python.waitForLine(lineFor('broadcast')));
    expect(broadcast.data).toEqual({
      id: (ack as { id: string }).id,
      text: 'hello python',
      sender: jsClient.id,
      node: 'node-a',
      sentAt: expect.any(Number),
    });

    const pythonAck = JSON.parse(await python.waitForLine(lineFor('ack')));
    expect(pythonAck.data).toEqual({ status: 'ok', id: expect.any(String) });
    await waitForBroadcast(jsClient, (got) =>
      got.some((m) => m.text === 'hello from python' && m.node === 'node-b'),
    );
    expect((await python.exited).code).toBe(0);
  });
});

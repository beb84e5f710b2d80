import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { handshakeGate } from './handshake-gate.js';

function run(draining: boolean, url: string, live: string[] = []) {
  const gate = handshakeGate({ draining } as LifecycleState, (sid) => live.includes(sid));
  const written: { status?: number; headers?: Record<string, string>; body?: string } = {};
  const res = {
    writeHead: (status: number, headers: Record<string, string>) =>
      Object.assign(written, { status, headers }),
    end: (body: string) => Object.assign(written, { body }),
  } as unknown as ServerResponse;
  let passed = false;
  gate({ url, headers: {} } as IncomingMessage, res, () => (passed = true));
  return { passed, ...written };
}

describe('the drain handshake gate', () => {
  test('lets everything through while the replica serves', () => {
    expect(run(false, '/socket.io/?EIO=4&transport=polling').passed).toBe(true);
  });

  test('refuses new sessions with 503 and Retry-After while draining', () => {
    const result = run(true, '/socket.io/?EIO=4&transport=polling');
    expect(result).toMatchObject({ passed: false, status: 503, headers: { 'Retry-After': '1' } });
    expect(JSON.parse(result.body!)).toMatchObject({ code: 'draining' });
  });

  test('keeps serving the polls of live sessions while draining', () => {
    expect(run(true, '/socket.io/?EIO=4&transport=polling&sid=abc', ['abc']).passed).toBe(true);
  });

  test('answers a handed-over session with 410, not 400 Session ID unknown', () => {
    const result = run(true, '/socket.io/?EIO=4&transport=polling&sid=gone', ['abc']);
    expect(result).toMatchObject({ passed: false, status: 410 });
    expect(JSON.parse(result.body!)).toMatchObject({ code: 'session_moved' });
  });
});

import { describe, expect, it } from 'vitest';
import { resolveServerUrl } from '../src/realtime/server-url';

describe('resolveServerUrl', () => {
  it('defaults to same origin', () => {
    expect(resolveServerUrl('', undefined)).toBeUndefined();
    expect(resolveServerUrl('?other=1', '')).toBeUndefined();
  });

  it('uses VITE_DELIVERER_URL when there is no query parameter', () => {
    expect(resolveServerUrl('', 'https://gw.example.com')).toBe('https://gw.example.com/');
  });

  it('lets ?server= win over the build-time URL', () => {
    expect(resolveServerUrl('?server=http://127.0.0.1:3001', 'https://gw.example.com')).toBe(
      'http://127.0.0.1:3001/',
    );
  });

  it('ignores values that are not http(s) or ws(s) URLs', () => {
    expect(resolveServerUrl('?server=javascript:alert(1)', undefined)).toBeUndefined();
    expect(resolveServerUrl('?server=not a url', 'https://gw.example.com')).toBe(
      'https://gw.example.com/',
    );
  });
});

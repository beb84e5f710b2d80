type IdCrypto = Pick<Crypto, 'getRandomValues'> & Partial<Pick<Crypto, 'randomUUID'>>;

/**
 * A fresh idempotency key for one message: 16–64 of [A-Za-z0-9_-], as the contract requires.
 * The server remembers it for a while and acks a repeat with the original message id.
 */
export function newClientMsgId(source: IdCrypto = globalThis.crypto): string {
  // randomUUID exists only in secure contexts (https, localhost); a gateway reached over plain
  // http on a LAN address has getRandomValues alone.
  if (typeof source.randomUUID === 'function') return source.randomUUID();
  const bytes = source.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * A short, non-secret name for a key: it scopes idempotency keys and rate buckets, and may appear
 * in Redis and in logs. 48 bits of a SHA-256 tell a handful of keys apart and reveal nothing.
 */
export function keyIdOf(key: string): string {
  return sha256(key).toString('hex').slice(0, 12);
}

/** The configured API keys, kept only as digests, matched in constant time. */
export class ApiKeyRing {
  private readonly entries: readonly { digest: Buffer; id: string }[];

  constructor(keys: readonly string[]) {
    this.entries = keys.map((key) => ({ digest: sha256(key), id: keyIdOf(key) }));
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /**
   * The id of the key `presented` is, or undefined. Both sides are hashed first, so the comparison
   * always covers 32 bytes whatever the lengths, and every key is compared: the time taken tells
   * neither how much of a key matched nor which key it was.
   */
  identify(presented: string): string | undefined {
    const digest = sha256(presented);
    let found: string | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.id;
    }
    return found;
  }
}

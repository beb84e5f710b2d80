import { type CryptoKey, SignJWT } from 'jose';

/** The HS256 secret test gateways share with the tests that mint their tokens. */
export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-bytes!';

export interface TokenClaims {
  sub: string;
  name?: string;
  /** Seconds from now; negative for an already expired token. Default one hour. */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
}

/** Mints a token as an identity provider would; `secret` defaults to the test gateways' one. */
export function signToken(
  { sub, name, expiresIn = 3600, audience, issuer }: TokenClaims,
  key: Uint8Array | CryptoKey = new TextEncoder().encode(TEST_JWT_SECRET),
  header: { alg: string; kid?: string } = { alg: 'HS256' },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(name === undefined ? {} : { name })
    .setProtectedHeader(header)
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn);
  if (audience) jwt.setAudience(audience);
  if (issuer) jwt.setIssuer(issuer);
  return jwt.sign(key);
}

import { Injectable } from '@nestjs/common';
import {
  type JWTPayload,
  type JWTVerifyGetKey,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { AppConfig } from '../config/app.config.js';
import { type SocketData, setProfileSchema } from '../events/events.contract.js';

/**
 * Who a token says the client is (`sub`, `name`, and `exp` in epoch milliseconds); it replaces
 * anything the client claims about itself.
 */
export type Identity = NonNullable<SocketData['user']>;

export class TokenRejected extends Error {
  constructor(
    readonly code: 'unauthorized' | 'token_expired',
    message: string,
  ) {
    super(message);
    this.name = 'TokenRejected';
  }
}

// Clocks of the identity provider and the replicas drift; a few seconds of leeway avoids
// refusing a token minted "in the future" by a fraction of a second.
const CLOCK_TOLERANCE_S = 5;
// An identity provider that hangs must not hold handshakes until the client gives up.
const JWKS_TIMEOUT_MS = 5000;
const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

/**
 * Verifies the JWTs clients present, against AUTH_JWT_SECRET (HS256) or the identity provider's
 * key set at AUTH_JWKS_URL (fetched once, cached, re-fetched when a token names an unknown key).
 */
@Injectable()
export class TokenVerifier {
  private readonly key?: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: AppConfig) {
    const { auth } = config;
    if (auth?.secret) this.key = new TextEncoder().encode(auth.secret);
    else if (auth?.jwksUrl)
      this.key = createRemoteJWKSet(auth.jwksUrl, { timeoutDuration: JWKS_TIMEOUT_MS });
    this.algorithms = auth?.secret ? ['HS256'] : ASYMMETRIC;
  }

  get enabled(): boolean {
    return this.key !== undefined;
  }

  async verify(token: unknown): Promise<Identity> {
    if (!this.key) throw new Error('authentication is not configured');
    if (typeof token !== 'string' || token === '') {
      throw new TokenRejected('unauthorized', 'a token is required (auth.token)');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        audience: this.config.auth?.audience,
        issuer: this.config.auth?.issuer,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub'],
      }));
    } catch (err) {
      throw rejection(err);
    }
    return identityOf(payload);
  }
}

function rejection(err: unknown): TokenRejected {
  if (err instanceof joseErrors.JWTExpired) {
    return new TokenRejected('token_expired', 'the token has expired');
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return new TokenRejected('unauthorized', `the token's ${err.claim} claim is not accepted`);
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSENotSupported) {
    return new TokenRejected('unauthorized', 'the token cannot be verified');
  }
  return new TokenRejected('unauthorized', 'the token is not valid');
}

function identityOf(payload: JWTPayload): Identity {
  const id = payload.sub!;
  // The name is shown to every other client: the same rules as a name set with set_profile.
  const parsed = setProfileSchema.shape.name.safeParse(payload.name);
  const name = parsed.success ? parsed.data : undefined;
  return {
    id,
    ...(name !== undefined && { name }),
    ...(payload.exp !== undefined && { expiresAt: payload.exp * 1000 }),
  };
}

import { Global, Module } from '@nestjs/common';
import { AuthGateway } from './auth.gateway.js';
import { TokenExpiry } from './token-expiry.js';
import { TokenVerifier } from './token-verifier.js';

@Global()
@Module({
  providers: [TokenVerifier, TokenExpiry, AuthGateway],
  exports: [TokenVerifier],
})
export class AuthModule {}

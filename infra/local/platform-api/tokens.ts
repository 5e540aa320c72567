import { randomBytes } from 'node:crypto';
import type { Platform } from '../../../shared/platform';
import type { Sessions } from './context';

/** Bluesky JWTs and Reddit bearer tokens the local server issues, with their expiry. */

interface Token {
  platform: Platform;
  kind: 'access' | 'refresh';
  subject: string;
  expiresAt: number;
}

export class TokenStore implements Sessions {
  readonly tokens = new Map<string, Token>();
  constructor(private readonly now: () => number) {}

  issue(platform: Platform, kind: 'access' | 'refresh', subject: string, ttlMs: number): string {
    const expiresAt = this.now() + ttlMs;
    const nonce = randomBytes(12).toString('base64url');
    const token =
      platform === 'bluesky'
        ? [
            Buffer.from(JSON.stringify({ typ: kind === 'access' ? 'at+jwt' : 'refresh+jwt', alg: 'HS256' })),
            Buffer.from(
              JSON.stringify({
                scope: kind === 'access' ? 'com.atproto.access' : 'com.atproto.refresh',
                sub: subject.split(' ')[0],
                iat: Math.floor(this.now() / 1000),
                exp: Math.floor(expiresAt / 1000),
                jti: nonce,
              }),
            ),
            Buffer.from('local-signature'),
          ]
            .map((b) => b.toString('base64url'))
            .join('.')
        : `${platform}-${kind}-${nonce}`;
    this.tokens.set(token, { platform, kind, subject, expiresAt });
    return token;
  }

  check(platform: Platform, token: string | undefined, kind: 'access' | 'refresh') {
    if (!token) return { ok: false as const, reason: 'missing' as const };
    const found = this.tokens.get(token);
    if (!found || found.platform !== platform || found.kind !== kind)
      return { ok: false as const, reason: 'invalid' as const };
    if (found.expiresAt <= this.now()) return { ok: false as const, reason: 'expired' as const };
    return { ok: true as const, subject: found.subject };
  }

  expire(platform: Platform, refreshTokens: boolean): void {
    for (const token of this.tokens.values())
      if (token.platform === platform && (token.kind === 'access' || refreshTokens)) token.expiresAt = 0;
  }
}

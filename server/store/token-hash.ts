import { createHash, randomBytes } from 'node:crypto';

/**
 * SHA-256 hex of a presented token: the only form in which tokens are stored. A plain hash (no salt, no
 * slow KDF) is enough because tokens are 256 random bits, not passwords, and lookups must be by hash.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new secret token: 32 random bytes, base64url, prefixed so a leaked token is recognisable. */
export function createToken(prefix: 'pos_t' | 'pos_a' | 'pos_r'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

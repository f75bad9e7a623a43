import { z } from 'zod';
import { PosError } from '../../schema/index.ts';
import type { AdminTokenInfo } from './cloud-store.ts';
import { parseInput } from './parse-input.ts';

/** Whether a tenant admin token still works at `now`: revocation wins over expiry. */
export function adminTokenStatus(
  token: Pick<AdminTokenInfo, 'revokedAt' | 'expiresAt'>,
  now: Date,
): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}

const expirySchema = z.iso.datetime({ offset: true });

/**
 * The expiry of a new admin token: an ISO date-time after `now` (any offset, stored as UTC with
 * milliseconds like every other time), or `null` (until revoked).
 */
export function parseAdminTokenExpiry(
  expiresAt: string | null | undefined,
  now: Date,
): string | null {
  if (expiresAt == null) return null;
  const at = new Date(parseInput(expirySchema, expiresAt, 'token expiry (ISO date-time)'));
  if (at.getTime() <= now.getTime()) {
    throw new PosError('POS_INPUT_INVALID', 'the token expiry must be in the future', {
      expiresAt,
    });
  }
  return at.toISOString();
}

import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File in the data dir holding the terminal's local token (mode 0600). */
export const LOCAL_TOKEN_FILE = 'ui-token';

/**
 * The terminal's local token: made once per data dir, kept in `<dataDir>/ui-token` readable by the
 * owner only, and asked of every page request and socket (like a notebook server's token), so another
 * user of the machine or a web page in the cashier's browser cannot drive the till.
 */
export function loadOrCreateLocalToken(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCAL_TOKEN_FILE);
  try {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 32) {
      chmodSync(path, 0o600);
      return token;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

/** Compares a presented token in constant time (hashes first, so lengths do not leak either). */
export function isLocalToken(presented: string | null | undefined, expected: string): boolean {
  if (!presented) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

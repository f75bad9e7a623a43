import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** Length in hex characters of a content hash and of a bucket digest (128 bits). */
export const HASH_HEX_LENGTH = 32;

/**
 * Hash of a catalog document's content as the branch sees it: SHA-256 over the canonical JSON of every
 * field except keys starting with `_` (`_meta`, `_rev`, `_attachments` are local bookkeeping, `_deleted`
 * never appears because manifests list live documents only), truncated to 128 bits, in hex.
 *
 * SHA-256 rather than a fast non-cryptographic hash: `node:crypto` hashes a product in about a
 * microsecond, so 100,000 products take a fraction of a second, it needs no dependency, and it gives the
 * same answer on every platform. 128 bits keep manifests small with a negligible collision chance.
 * Both sides must hash the branch view (`toBranchProduct`), never the cloud record.
 */
export function contentHash(doc: object): string {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!key.startsWith('_')) content[key] = value;
  }
  return sha256Hex(canonicalJson(content)).slice(0, HASH_HEX_LENGTH);
}

/** SHA-256 of a UTF-8 string, hex. */
export function sha256Hex(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex');
}

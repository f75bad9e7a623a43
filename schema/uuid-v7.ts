import { z } from 'zod';

/** A UUIDv7 in its canonical lower-case text form. */
export const uuidV7Schema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'not a UUIDv7');

let lastMs = -1;
let lastCounter = 0;

/**
 * Creates a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness from Web Crypto's
 * `getRandomValues` (a global in Node 20 and in browsers, so the module bundles for a page).
 *
 * Ids made by one process are strictly increasing, also within one millisecond and when the clock steps
 * back: the 12-bit `rand_a` field is a counter seeded randomly each new millisecond (RFC 9562 method 1),
 * and the timestamp is held at the last one used until the clock catches up. Sales use these ids, so
 * the local `sales` collection sorts by creation without trusting the clock for anything else.
 */
export function createUuidV7(now: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let ms = Math.max(Math.floor(now), lastMs);
  let counter: number;
  if (ms === lastMs) {
    counter = lastCounter + 1;
    if (counter > 0xfff) {
      ms += 1;
      counter = (bytes[6] ?? 0) & 0x07;
    }
  } else {
    // Seed below half the range so a burst in one millisecond has room to count up.
    counter = (((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0)) & 0x7ff;
  }
  lastMs = ms;
  lastCounter = counter;

  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (counter >>> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);

  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Milliseconds since the Unix epoch encoded in a UUIDv7. */
export function uuidV7Timestamp(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

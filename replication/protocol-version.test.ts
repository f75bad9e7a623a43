import { describe, expect, it } from 'vitest';
import {
  PROTOCOL_HASH,
  PROTOCOL_HISTORY,
  PROTOCOL_VERSION,
  computeProtocolHash,
} from './protocol-version.ts';

describe('wire guard', () => {
  it('matches the hash recorded for PROTOCOL_VERSION', () => {
    // On failure the wire changed: append { version: PROTOCOL_VERSION + 1, hash: <received> } to
    // PROTOCOL_HISTORY, and tell the server and terminal owners.
    expect(computeProtocolHash()).toBe(PROTOCOL_HASH);
  });

  it('keeps a history of consecutive versions with distinct hashes', () => {
    PROTOCOL_HISTORY.forEach((entry, i) => expect(entry.version).toBe(i + 1));
    expect(new Set(PROTOCOL_HISTORY.map((e) => e.hash)).size).toBe(PROTOCOL_HISTORY.length);
    expect(PROTOCOL_VERSION).toBe(PROTOCOL_HISTORY.length);
  });
});

import { canonicalJson, sha256Hex } from '../../../replication/index.ts';
import type { TerminalScope } from '../cloud-store.ts';
import type { Refusal } from '../pushed-sale-check.ts';

/** How a refused payload is identified: its canonical JSON, that JSON's hash, and its event key. */
export function deadLetterIdentity(scope: TerminalScope, payload: unknown, refusal: Refusal) {
  const payloadJson = canonicalJson(payload) ?? 'null';
  const payloadHash = sha256Hex(payloadJson);
  // A payload without a readable key is keyed by its content, so its redelivery finds the same entry.
  const eventKey = refusal.key ?? `${scope.terminalId}:unreadable:${payloadHash.slice(0, 16)}`;
  return { payloadJson, payloadHash, eventKey };
}

/** What a new dead letter records of the event, on every backend. */
export function deadLetterEventFields(scope: TerminalScope, payload: unknown, refusal: Refusal) {
  const raw = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
    string,
    unknown
  >;
  return {
    branchId: scope.branchId,
    terminalId: scope.terminalId,
    eventId: typeof raw['id'] === 'string' ? raw['id'].slice(0, 200) : null,
    posId: refusal.event?.posId ?? null,
    localEventId: refusal.event?.localEventId ?? null,
    code: refusal.code,
    message: refusal.message,
  };
}

import type { OverrideCode, SaleOverride } from '../schema/index.ts';
import { PosError } from '../schema/index.ts';

/**
 * A manager's override as the till applies it: each refusal it names passes (and is recorded on the
 * event, which the cloud audits at ingest), any other refusal is thrown. Only the codes it actually
 * passed are recorded, so the audit shows what the manager let through.
 */
export class ManagerOverride {
  readonly #given: SaleOverride | null;
  readonly #used = new Set<OverrideCode>();

  constructor(given: SaleOverride | null | undefined) {
    this.#given = given ?? null;
  }

  /** Passes the refusal `code` if the override names it; throws it otherwise. */
  pass(code: OverrideCode, message: string, details: Record<string, unknown>): void {
    if (this.#given?.codes.includes(code)) {
      this.#used.add(code);
      return;
    }
    throw new PosError(code, message, details);
  }

  /** The override to record on the event: null when it passed nothing. */
  get recorded(): SaleOverride | null {
    if (!this.#given || this.#used.size === 0) return null;
    return { managerId: this.#given.managerId, reason: this.#given.reason, codes: [...this.#used] };
  }
}

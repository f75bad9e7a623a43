/**
 * When queued sales are due for a push again, apart from the queue's backoff: a sale charged a failure
 * waits out its own backoff (held), and a booked sale waits `ackTimeoutMs` for its ingested copy
 * before it is pushed again.
 */
export class SaleDueTimes {
  readonly #ackTimeoutMs: number;
  /** Sales waiting out their own backoff: id → not before (epoch ms). */
  readonly #heldUntil = new Map<string, number>();
  /** Booked by the cloud, waiting for the ingested copy: id → when it was booked. */
  readonly #bookedAt = new Map<string, number>();

  constructor(ackTimeoutMs: number) {
    this.#ackTimeoutMs = ackTimeoutMs;
  }

  hold(id: string, until: number): void {
    this.#heldUntil.set(id, until);
  }

  forgetHold(id: string): void {
    this.#heldUntil.delete(id);
  }

  forgetHolds(): void {
    this.#heldUntil.clear();
  }

  booked(id: string, at: number): void {
    this.#bookedAt.set(id, at);
  }

  /** The ingested copy arrived (or the cloud answered with it): nothing to wait for. */
  acknowledged(id: string): void {
    this.#bookedAt.delete(id);
  }

  isDue(id: string, now: number): boolean {
    if ((this.#heldUntil.get(id) ?? 0) > now) return false;
    const bookedAt = this.#bookedAt.get(id);
    return bookedAt === undefined || now - bookedAt > this.#ackTimeoutMs;
  }

  /**
   * When the next held or booked sale comes due (`now` when one already is), or undefined. Entries
   * already due are forgotten, so each wakes the worker once only: a held sale that expired after the
   * round that skipped it read its clock, a booked sale whose copy never came.
   */
  nextDueAt(now: number): number | undefined {
    let next = Number.POSITIVE_INFINITY;
    for (const [id, until] of this.#heldUntil) {
      if (until > now) {
        next = Math.min(next, until);
        continue;
      }
      this.#heldUntil.delete(id);
      next = now;
    }
    for (const [id, bookedAt] of this.#bookedAt) {
      const due = bookedAt + this.#ackTimeoutMs + 1;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.#bookedAt.delete(id);
      next = now;
    }
    return next === Number.POSITIVE_INFINITY ? undefined : next;
  }
}

/**
 * In-memory token buckets, one per key, with bottleneck's reservoir semantics (the shared buckets in
 * Redis stay on bottleneck): a bucket starts full at `burst`, gains `perSecond` every full
 * `intervalMs` since it was created, never above `burst`, and a bucket idle for `idleMs` is forgotten
 * (the key starts full again). A take is a few arithmetic operations, where a bottleneck job went
 * through its queue, events and promises on every GraphQL operation.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; refilledAt: number; usedAt: number }>();
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #intervalMs: number;
  readonly #idleMs: number;
  readonly #now: () => number;
  #sweptAt: number;

  constructor(options: {
    burst: number;
    perSecond: number;
    intervalMs: number;
    idleMs: number;
    now?: () => number;
  }) {
    this.#burst = options.burst;
    this.#perSecond = options.perSecond;
    this.#intervalMs = options.intervalMs;
    this.#idleMs = options.idleMs;
    this.#now = options.now ?? (() => performance.now());
    this.#sweptAt = this.#now();
  }

  /** Takes `weight` tokens from `key`'s bucket; false (and nothing taken) when it holds fewer. */
  take(key: string, weight: number): boolean {
    const now = this.#now();
    if (now - this.#sweptAt > this.#idleMs) this.#sweep(now);
    let bucket = this.#buckets.get(key);
    if (!bucket || now - bucket.usedAt > this.#idleMs) {
      bucket = { tokens: this.#burst, refilledAt: now, usedAt: now };
      this.#buckets.set(key, bucket);
    }
    const refills = Math.floor((now - bucket.refilledAt) / this.#intervalMs);
    if (refills > 0) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + refills * this.#perSecond);
      bucket.refilledAt += refills * this.#intervalMs;
    }
    bucket.usedAt = now;
    if (bucket.tokens < weight) return false;
    bucket.tokens -= weight;
    return true;
  }

  /** Buckets held now, for tests. */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.usedAt > this.#idleMs) this.#buckets.delete(key);
    }
  }
}

import type { SaleBounds } from '../../../schema/index.ts';
import { DEFAULT_SALE_BOUNDS } from '../../../schema/index.ts';
import { DEFAULT_RETENTION_MS, DEFAULT_STALE_AFTER_MS } from '../cloud-store.ts';
import { DEFAULT_CUSTOMER_CLOCK_SKEW_MS } from '../customer-rules.ts';

/** The options every adapter takes; an adapter adds its own (a file, a connection string). */
export type StoreCoreOptions = {
  /** Age after which tombstones and audit entries may be pruned. Default `DEFAULT_RETENTION_MS`. */
  retentionMs?: number;
  /** A terminal without contact for longer is stale in the admin view. Default `DEFAULT_STALE_AFTER_MS`. */
  staleAfterMs?: number;
  /** How far a pushed sale may stray from the server's clock and its event ids. Default `DEFAULT_SALE_BOUNDS`. */
  saleBounds?: SaleBounds;
  /**
   * How far ahead of the store's clock a pushed customer clock may lie. Default
   * `DEFAULT_CUSTOMER_CLOCK_SKEW_MS`.
   */
  customerClockSkewMs?: number;
  /** The clock, for tests. */
  now?: () => Date;
};

/** `StoreCoreOptions` after defaults. */
export type ResolvedStoreCoreOptions = Required<StoreCoreOptions>;

export function resolveStoreCoreOptions(options: StoreCoreOptions): ResolvedStoreCoreOptions {
  return {
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    staleAfterMs: options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    saleBounds: options.saleBounds ?? DEFAULT_SALE_BOUNDS,
    customerClockSkewMs: options.customerClockSkewMs ?? DEFAULT_CUSTOMER_CLOCK_SKEW_MS,
    now: options.now ?? (() => new Date()),
  };
}

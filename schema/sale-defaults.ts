/**
 * The fields sales schema version 2 added, with the value a version-1 sale has for each. Zod-free, so
 * the RxDB migration that uses it bundles for a browser page.
 *
 * A version-1 document (stored on a terminal, pushed by a protocol-5 terminal, booked by the cloud
 * before the upgrade) is the version-2 document with these values: a plain sale, no customer, made
 * online, nothing overridden.
 */
export const SALE_V2_DEFAULTS = {
  kind: 'sale',
  customerId: null,
  returnOf: null,
  reason: null,
  offline: false,
  lastContactAt: null,
  override: null,
  accountCheck: null,
  accountVerification: null,
  accountLedgerSeq: null,
} as const;

/** The line fields sales schema version 2 added, with a version-1 line's values. */
export const SALE_LINE_V2_DEFAULTS = { originalLine: null, restock: null } as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fillAbsent(target: Record<string, unknown>, defaults: Record<string, unknown>) {
  const filled = { ...target };
  for (const [key, value] of Object.entries(defaults)) {
    if (filled[key] === undefined) filled[key] = value;
  }
  return filled;
}

/**
 * A sale document with every version-2 field it lacks set to the version-1 value. Used by the RxDB
 * migration from version 1, at the cloud's boundary for pushes of protocol-5 terminals, and for
 * copies the cloud booked before version 2. Fields present (even `null` or of a wrong type) are left
 * alone for validation to judge; anything that is not an object is returned unchanged.
 */
export function withSaleV2Defaults<T>(doc: T): T {
  if (!isRecord(doc)) return doc;
  const filled = fillAbsent(doc, SALE_V2_DEFAULTS);
  if (Array.isArray(filled['lines'])) {
    filled['lines'] = filled['lines'].map((line: unknown) =>
      isRecord(line) ? fillAbsent(line, SALE_LINE_V2_DEFAULTS) : line,
    );
  }
  return filled as T;
}

/**
 * The content of a sale as the idempotency hash sees it: version-2 fields holding their version-1
 * value are left out, so a sale booked before the upgrade hashes the same when its terminal (old or
 * upgraded) delivers it again (docs/design.md#idempotency-and-exactly-once).
 */
export function withoutSaleV2Defaults(content: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(content)) {
    if (key in SALE_V2_DEFAULTS && value === SALE_V2_DEFAULTS[key as keyof typeof SALE_V2_DEFAULTS])
      continue;
    out[key] = value;
  }
  if (Array.isArray(out['lines'])) {
    out['lines'] = out['lines'].map((line: unknown) => {
      if (!isRecord(line)) return line;
      const kept: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(line)) {
        if (key in SALE_LINE_V2_DEFAULTS && value === null) continue;
        kept[key] = value;
      }
      return kept;
    });
  }
  return out;
}

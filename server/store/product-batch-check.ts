import type { ProductInput } from '../../schema/index.ts';
import { PosError, productInputSchema } from '../../schema/index.ts';
import { UPSERT_MAX } from './cloud-store.ts';
import { parseInput } from './parse-input.ts';

/** Why one row of a product upsert was refused; stable names, listed in `details.rows`. */
export type ProductRowRule =
  'duplicate_id' | 'unknown_branch' | 'unknown_category' | 'duplicate_sku' | 'duplicate_barcode';

export type ProductRowProblem = {
  index: number;
  id: string;
  rule: ProductRowRule;
  value: string;
  /** The other products holding the same SKU or barcode. */
  conflictsWith?: string[];
};

/** What a batch refers to, for the adapter to look up in one go. */
export type ProductBatchReferences = { categoryIds: string[]; skus: string[]; barcodes: string[] };

/** What the adapter found: the tenant's branches, the live categories and products referred to. */
export type ProductBatchFacts = {
  branchIds: ReadonlySet<string>;
  categoryIds: ReadonlySet<string>;
  /** Live products holding any SKU or barcode of the batch. */
  holders: readonly { id: string; sku: string; barcode: string | null }[];
};

/** Most refused rows listed in the error's details. */
const ROWS_LISTED = 100;

/** The inputs parsed, and what they refer to (both adapters look these up, then call `checkProductBatch`). */
export function productBatchReferences(inputs: unknown[]): {
  rows: ProductInput[];
  references: ProductBatchReferences;
} {
  if (inputs.length > UPSERT_MAX) {
    throw new PosError('POS_INPUT_INVALID', `at most ${UPSERT_MAX} rows per upsert`);
  }
  const rows = inputs.map((input, i) => parseInput(productInputSchema, input, `products[${i}]`));
  const distinct = (values: (string | null)[]) => [
    ...new Set(values.filter((v): v is string => v !== null)),
  ];
  return {
    rows,
    references: {
      categoryIds: distinct(rows.map((r) => r.categoryId)),
      skus: distinct(rows.map((r) => r.sku)),
      barcodes: distinct(rows.map((r) => r.barcode)),
    },
  };
}

/**
 * Refuses a batch (`POS_INPUT_INVALID`, nothing stored) whose rows name an unknown branch or category,
 * repeat an id, or would leave a SKU or barcode on two live products of the tenant (a barcode must find
 * one product at the till). Uniqueness is judged on the catalog as it would be after the batch, so two
 * products may swap SKUs in one batch.
 */
export function checkProductBatch(rows: ProductInput[], facts: ProductBatchFacts): void {
  const problems: ProductRowProblem[] = [];
  const seen = new Set<string>();
  rows.forEach((row, index) => {
    if (seen.has(row.id)) problems.push({ index, id: row.id, rule: 'duplicate_id', value: row.id });
    seen.add(row.id);
    const branches = [...(row.branchIds ?? []), ...row.branchPrices.map((p) => p.branchId)];
    for (const branchId of new Set(branches)) {
      if (!facts.branchIds.has(branchId)) {
        problems.push({ index, id: row.id, rule: 'unknown_branch', value: branchId });
      }
    }
    if (row.categoryId !== null && !facts.categoryIds.has(row.categoryId)) {
      problems.push({ index, id: row.id, rule: 'unknown_category', value: row.categoryId });
    }
  });
  const owners = new Map<string, Set<string>>();
  const own = (key: string, id: string) => owners.set(key, (owners.get(key) ?? new Set()).add(id));
  for (const holder of facts.holders) {
    if (seen.has(holder.id)) continue;
    own(`sku:${holder.sku}`, holder.id);
    if (holder.barcode !== null) own(`barcode:${holder.barcode}`, holder.id);
  }
  for (const row of rows) {
    own(`sku:${row.sku}`, row.id);
    if (row.barcode !== null) own(`barcode:${row.barcode}`, row.id);
  }
  rows.forEach((row, index) => {
    const claims = [
      ['duplicate_sku', row.sku, `sku:${row.sku}`],
      ['duplicate_barcode', row.barcode, `barcode:${row.barcode}`],
    ] as const;
    for (const [rule, value, key] of claims) {
      if (value === null) continue;
      const others = [...owners.get(key)!].filter((id) => id !== row.id);
      if (others.length > 0)
        problems.push({ index, id: row.id, rule, value, conflictsWith: others });
    }
  });
  if (problems.length === 0) return;
  throw new PosError(
    'POS_INPUT_INVALID',
    `${problems.length} product row problem(s): nothing was stored`,
    { rows: problems.slice(0, ROWS_LISTED), count: problems.length },
  );
}

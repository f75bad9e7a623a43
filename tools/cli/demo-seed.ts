import type { CloudStore } from '../../server/store/index.ts';
import { DEFAULT_TENANT_ID } from '../../schema/index.ts';

/** A terminal registered by the demo seed, with its token (shown once). */
export type SeededTerminal = { branchId: string; terminalId: string; token: string };

/**
 * Seeds a small demo catalog into an empty store: two branches, three categories, a dozen products (one
 * with a branch price, one sold in one branch only), two terminals in the first branch and one in the
 * second. Returns `null` when the tenant already has branches, so a restart never seeds twice.
 */
export async function seedDemo(store: CloudStore): Promise<SeededTerminal[] | null> {
  const tenantId = DEFAULT_TENANT_ID;
  if ((await store.listBranches(tenantId)).length > 0) return null;
  const actor = 'seed';
  const branches = [
    { id: 'b-north', name: 'North Street', currency: 'EUR' },
    { id: 'b-south', name: 'South Market', currency: 'EUR' },
  ];
  for (const branch of branches) await store.createBranch(tenantId, branch, actor);
  await store.upsertCategories(
    tenantId,
    [
      { id: 'c-coffee', name: 'Coffee', parentId: null, sortOrder: 0 },
      { id: 'c-tea', name: 'Tea', parentId: null, sortOrder: 1 },
      { id: 'c-bakery', name: 'Bakery', parentId: null, sortOrder: 2 },
    ],
    actor,
  );
  const base = {
    currency: 'EUR',
    taxRateBps: 700,
    active: true,
    branchIds: null,
    branchPrices: [],
  };
  const names: [string, string, number][] = [
    ['c-coffee', 'Espresso beans 1kg', 1299],
    ['c-coffee', 'Filter coffee 500g', 799],
    ['c-coffee', 'Decaf beans 500g', 899],
    ['c-coffee', 'Cold brew 330ml', 349],
    ['c-tea', 'Green tea 100g', 549],
    ['c-tea', 'Earl Grey 100g', 499],
    ['c-tea', 'Chai mix 250g', 649],
    ['c-bakery', 'Croissant', 189],
    ['c-bakery', 'Sourdough loaf', 449],
    ['c-bakery', 'Cinnamon roll', 259],
  ];
  await store.upsertProducts(
    tenantId,
    names.map(([categoryId, name, priceMinor], i) => ({
      ...base,
      id: `p-${i + 1}`,
      sku: `SKU-${i + 1}`,
      barcode: `400000000${String(i + 1).padStart(4, '0')}`,
      name,
      categoryId,
      priceMinor,
      // The croissant costs more at the market; cold brew is sold only in North Street.
      branchPrices: i === 7 ? [{ branchId: 'b-south', priceMinor: 209 }] : [],
      branchIds: i === 3 ? ['b-north'] : null,
    })),
    actor,
  );
  // Two tills in North Street (`pos start` runs the first, and prints the command for the second), one
  // at the market.
  const tills = [
    { branchId: 'b-north', name: 'North Street till 1' },
    { branchId: 'b-north', name: 'North Street till 2' },
    { branchId: 'b-south', name: 'South Market till 1' },
  ];
  const terminals: SeededTerminal[] = [];
  for (const till of tills) {
    const { terminal, token } = await store.registerTerminal(tenantId, till, actor);
    terminals.push({ branchId: till.branchId, terminalId: terminal.id, token });
  }
  return terminals;
}

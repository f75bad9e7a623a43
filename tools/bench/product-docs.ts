import type { RxJsonSchema } from 'rxdb';

/** A catalog product as the terminal stores it; money in minor units, tax in basis points. */
export type BenchProduct = {
  id: string;
  sku: string;
  barcode: string;
  name: string;
  categoryId: string;
  priceMinor: number;
  currency: string;
  taxRateBps: number;
  active: boolean;
};

export const PRODUCT_CATEGORIES = 50;

export const NAME_WORDS = [
  'Organic',
  'Fresh',
  'Classic',
  'Premium',
  'Smoked',
  'Sparkling',
  'Roasted',
  'Wholegrain',
  'Spicy',
  'Frozen',
  'Light',
  'Golden',
] as const;

const NOUNS = ['Apple Juice', 'Coffee Beans', 'Cheddar', 'Ham', 'Water', 'Bread', 'Salsa', 'Peas'];
const SIZES = ['250g', '500g', '1kg', '330ml', '1l', '6 pack'];
const TAX_RATES_BPS = [0, 700, 1900];

export const productSchema: RxJsonSchema<BenchProduct> = {
  title: 'bench product',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 40 },
    sku: { type: 'string', maxLength: 32 },
    barcode: { type: 'string', maxLength: 32 },
    name: { type: 'string', maxLength: 120 },
    categoryId: { type: 'string', maxLength: 40 },
    priceMinor: { type: 'integer', minimum: 0, maximum: 100_000_000, multipleOf: 1 },
    currency: { type: 'string', maxLength: 3 },
    taxRateBps: { type: 'integer', minimum: 0, maximum: 10_000, multipleOf: 1 },
    active: { type: 'boolean' },
  },
  required: [
    'id',
    'sku',
    'barcode',
    'name',
    'categoryId',
    'priceMinor',
    'currency',
    'taxRateBps',
    'active',
  ],
  indexes: ['sku', 'barcode', ['categoryId', 'name']],
};

/** mulberry32: a seeded generator, so every run measures the same catalog. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function categoryIdOf(index: number): string {
  return `cat-${index.toString().padStart(3, '0')}`;
}

/**
 * `count` distinct products. Ids are random (the catalog arrives in server seq order, not id order),
 * SKUs and barcodes are unique, names are "<word> <noun> <size> #n" so a first word is a usable prefix.
 */
export function makeProducts(count: number, seed = 42): BenchProduct[] {
  const random = createRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const products: BenchProduct[] = new Array(count);
  for (let i = 0; i < count; i++) {
    products[i] = {
      id: `prd_${randomHex(random, 16)}${i.toString(36)}`,
      sku: `SKU-${i.toString().padStart(7, '0')}`,
      barcode: ean13(`20${i.toString().padStart(10, '0')}`),
      name: `${pick(NAME_WORDS)} ${pick(NOUNS)} ${pick(SIZES)} #${i}`,
      categoryId: categoryIdOf(Math.floor(random() * PRODUCT_CATEGORIES)),
      priceMinor: 50 + Math.floor(random() * 20_000),
      currency: 'EUR',
      taxRateBps: pick(TAX_RATES_BPS),
      active: random() < 0.95,
    };
  }
  return products;
}

function randomHex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** Appends the EAN-13 check digit to 12 digits. */
function ean13(digits12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${digits12}${(10 - (sum % 10)) % 10}`;
}

/**
 * The product CSV the console and `pos import products` read: a spreadsheet's export with a header
 * row. Column names are matched case-insensitively; order is free; unknown columns are refused so a
 * misspelt optional column is not silently ignored.
 */
export const PRODUCT_CSV_COLUMNS = {
  id: { required: true, help: 'product id (1–64 characters, no spaces)' },
  sku: { required: true, help: 'the shop’s article code' },
  name: { required: true, help: 'name shown at the till' },
  price: {
    required: true,
    help: 'tax-exclusive unit price as a decimal in the currency, e.g. 12.99',
  },
  tax_rate: { required: true, help: 'tax rate in percent, at most two decimals, e.g. 7 or 19.25' },
  barcode: { required: false, help: 'letters and digits; empty for none' },
  category_id: { required: false, help: 'an existing category id; empty for none' },
  active: { required: false, help: 'true/false, yes/no or 1/0; empty means true' },
} as const;

export type ProductCsvColumn = keyof typeof PRODUCT_CSV_COLUMNS;

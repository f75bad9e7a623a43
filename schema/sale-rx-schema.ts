import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import {
  ACCOUNT_VERIFICATIONS,
  ID_MAX_LENGTH,
  ISO_DATE_TIME_MAX_LENGTH,
  OVERRIDE_CODES,
  PAYMENT_METHODS,
  REASON_MAX_LENGTH,
  RETURN_SOURCES,
  SALE_KINDS,
} from './constants.ts';
import type { Sale } from './sale.ts';
import { withSaleV2Defaults } from './sale-defaults.ts';

const money = { type: 'integer', minimum: 0 } as const;
const id = { type: 'string', maxLength: ID_MAX_LENGTH } as const;
const nullableId = { type: ['string', 'null'], maxLength: ID_MAX_LENGTH } as const;
const nullableReason = { type: ['string', 'null'], maxLength: REASON_MAX_LENGTH } as const;
const signedMoney = { type: 'integer' } as const;

/**
 * RxDB schema of the terminal's `sales` collection. The `[syncState, createdAt]` index serves the push
 * queue (oldest queued first) and the status counts. `localEventId` is not indexed: the terminal
 * reads its largest value once, at open (docs/design.md#selling).
 *
 * Version 1 adds the `discarded` sync state; every version-0 document is a valid version-1 document.
 * Version 2 adds returns, settlements and the offline and account fields (`kind`, `customerId`,
 * `returnOf`, `reason`, `offline`, `lastContactAt`, `override`, `accountCheck`,
 * `accountVerification`, `accountLedgerSeq`; `originalLine` and `restock` on lines); a version-1 sale migrates to a plain
 * sale made online (`withSaleV2Defaults`).
 */
export const saleRxSchema: RxJsonSchema<Sale> = {
  title: 'sales',
  description: 'Sales made on this terminal, queued for push, then replaced by the ingested copy.',
  version: 2,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 36 },
    terminalId: id,
    posId: id,
    localEventId: { type: 'integer', minimum: 1 },
    branchId: id,
    cashierId: { type: ['string', 'null'], maxLength: ID_MAX_LENGTH },
    createdAt: { type: 'string', maxLength: ISO_DATE_TIME_MAX_LENGTH },
    currency: { type: 'string', minLength: 3, maxLength: 3 },
    lines: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        properties: {
          productId: id,
          sku: { type: 'string', maxLength: 64 },
          name: { type: 'string', maxLength: 200 },
          quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
          unitPriceMinor: money,
          discountMinor: money,
          taxRateBps: { type: 'integer', minimum: 0, maximum: 10_000 },
          taxMinor: money,
          lineTotalMinor: money,
          originalLine: { type: ['integer', 'null'], minimum: 0, maximum: 999 },
          restock: { type: ['boolean', 'null'] },
        },
        required: [
          'productId',
          'sku',
          'name',
          'quantity',
          'unitPriceMinor',
          'discountMinor',
          'taxRateBps',
          'taxMinor',
          'lineTotalMinor',
          'originalLine',
          'restock',
        ],
        additionalProperties: false,
      },
    },
    totals: {
      type: 'object',
      properties: {
        subtotalMinor: money,
        discountMinor: money,
        taxMinor: money,
        totalMinor: money,
      },
      required: ['subtotalMinor', 'discountMinor', 'taxMinor', 'totalMinor'],
      additionalProperties: false,
    },
    payments: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        properties: {
          method: { type: 'string', enum: [...PAYMENT_METHODS] },
          amountMinor: money,
        },
        required: ['method', 'amountMinor'],
        additionalProperties: false,
      },
    },
    changeMinor: money,
    kind: { type: 'string', enum: [...SALE_KINDS], maxLength: 16 },
    customerId: nullableId,
    returnOf: {
      type: ['object', 'null'],
      properties: {
        saleId: { type: 'string', maxLength: 36 },
        invoiceNo: { type: ['integer', 'null'], minimum: 1 },
        terminalId: id,
        branchId: id,
        source: { type: 'string', enum: [...RETURN_SOURCES] },
      },
      required: ['saleId', 'invoiceNo', 'terminalId', 'branchId', 'source'],
      additionalProperties: false,
    },
    reason: nullableReason,
    offline: { type: 'boolean' },
    lastContactAt: { type: ['string', 'null'], maxLength: ISO_DATE_TIME_MAX_LENGTH },
    override: {
      type: ['object', 'null'],
      properties: {
        managerId: id,
        reason: { type: 'string', maxLength: REASON_MAX_LENGTH },
        codes: {
          type: 'array',
          maxItems: OVERRIDE_CODES.length,
          items: { type: 'string', enum: [...OVERRIDE_CODES] },
        },
      },
      required: ['managerId', 'reason', 'codes'],
      additionalProperties: false,
    },
    accountCheck: {
      type: ['object', 'null'],
      properties: {
        limitMinor: money,
        balanceSeenMinor: signedMoney,
        unsyncedMinor: signedMoney,
        availableMinor: signedMoney,
      },
      required: ['limitMinor', 'balanceSeenMinor', 'unsyncedMinor', 'availableMinor'],
      additionalProperties: false,
    },
    invoiceNo: { type: ['integer', 'null'], minimum: 1 },
    ingestedAt: { type: ['string', 'null'], maxLength: ISO_DATE_TIME_MAX_LENGTH },
    accountVerification: { type: ['string', 'null'], enum: [...ACCOUNT_VERIFICATIONS, null] },
    accountLedgerSeq: { type: ['integer', 'null'], minimum: 1 },
    syncState: {
      type: 'string',
      enum: ['queued', 'synced', 'needs_attention', 'discarded'],
      maxLength: 16,
    },
    lastError: {
      type: ['object', 'null'],
      properties: {
        code: { type: 'string', maxLength: 64 },
        message: { type: 'string', maxLength: 2000 },
      },
      required: ['code', 'message'],
      additionalProperties: false,
    },
    syncAttempts: { type: 'integer', minimum: 0 },
  },
  required: [
    'id',
    'terminalId',
    'posId',
    'localEventId',
    'branchId',
    'cashierId',
    'createdAt',
    'currency',
    'lines',
    'totals',
    'payments',
    'changeMinor',
    'kind',
    'customerId',
    'returnOf',
    'reason',
    'offline',
    'lastContactAt',
    'override',
    'accountCheck',
    'invoiceNo',
    'ingestedAt',
    'accountVerification',
    'accountLedgerSeq',
    'syncState',
    'lastError',
    'syncAttempts',
  ],
  additionalProperties: false,
  indexes: [['syncState', 'createdAt']],
};

/**
 * How a terminal's stored sales move to the current `saleRxSchema` version (RxDB runs them when the
 * collection opens on a file written by an older release). One entry per version above 0.
 */
export const saleRxMigrations: MigrationStrategies = {
  // 1: `discarded` joins the sync states; the stored document is unchanged.
  1: (doc: Sale) => doc,
  // 2: returns, settlements, offline and account fields; a version-1 sale is a plain sale made online.
  2: (doc: Sale) => withSaleV2Defaults(doc),
};

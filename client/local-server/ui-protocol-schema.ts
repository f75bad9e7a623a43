import { z } from 'zod';
import { idSchema, inventoryReasonSchema } from '../../schema/index.ts';
import { refundInputSchema } from '../build-return.ts';
import { sellInputSchema } from '../build-sale.ts';
import { settleInputSchema } from '../build-settlement.ts';

/** The storage methods a page may call through RxDB's remote storage (the views refuse the writes). */
const RX_METHODS = [
  'create',
  'bulkWrite',
  'findDocumentsById',
  'query',
  'count',
  'getAttachmentData',
  'getChangedDocumentsSince',
  'cleanup',
  'close',
  'remove',
] as const;

const token = z.string().min(1).max(200);

/** An RxDB remote storage message from the page; its params are checked by the read-only views. */
const rxFrameSchema = z.object({
  t: z.literal('rx'),
  m: z.object({
    connectionId: token,
    requestId: token,
    method: z.enum(RX_METHODS),
    version: z.string().max(40),
    params: z.unknown(),
  }),
});

const commandId = z.int().nonnegative();

/**
 * A frame from the page (see `client/browser/protocol.ts`). Everything a page sends is validated here
 * before it reaches the terminal: a page is a browser tab, and anything can run in one.
 */
export const pageFrameSchema = z.discriminatedUnion('t', [
  rxFrameSchema,
  z.object({ t: z.literal('cmd'), id: commandId, name: z.string().max(40), input: z.unknown() }),
]);

/** Each command's input. */
export const commandInputSchemas = {
  sell: sellInputSchema,
  settle: settleInputSchema,
  refund: refundInputSchema,
  adjustInventory: z.object({
    productId: idSchema,
    delta: z.int().min(-1_000_000_000).max(1_000_000_000),
    reason: inventoryReasonSchema,
  }),
  countInventory: z.object({ productId: idSchema, counted: z.int().min(0).max(1_000_000_000) }),
  reconcile: z.object({}),
  requeue: z.object({ saleIds: z.array(idSchema).max(10_000).optional() }),
} as const;

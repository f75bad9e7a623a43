import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import { pushArgsSchema } from '../../replication/index.ts';
import type { Payment, Sale, SaleError, SaleLine, SaleTotals } from '../../schema/index.ts';
import { idSchema, isoDateTimeSchema } from '../../schema/index.ts';
import type { PosGaps, SaleIngestOutcome, SalesFilter, SalesSummary } from '../store/index.ts';
import { builder } from './builder.ts';
import { CheckpointInput, pullResultType } from './checkpoint.ts';
import { connectionType, pageArgsSchema } from './connection.ts';
import { parseInput, requireAdmin, requireTerminal } from './guards.ts';
import { StreamHintRef } from './stream-hint.ts';
import { recordContact, servePull, streamHints } from './sync-operations.ts';

const SaleLineRef = builder.objectRef<SaleLine>('SaleLine').implement({
  fields: (t) => ({
    productId: t.exposeString('productId'),
    sku: t.exposeString('sku'),
    name: t.exposeString('name'),
    quantity: t.expose('quantity', { type: 'SafeInt' }),
    unitPriceMinor: t.expose('unitPriceMinor', { type: 'SafeInt' }),
    discountMinor: t.expose('discountMinor', { type: 'SafeInt' }),
    taxRateBps: t.exposeInt('taxRateBps'),
    taxMinor: t.expose('taxMinor', { type: 'SafeInt' }),
    lineTotalMinor: t.expose('lineTotalMinor', { type: 'SafeInt' }),
  }),
});

export const SaleTotalsRef = builder.objectRef<SaleTotals>('SaleTotals').implement({
  fields: (t) => ({
    subtotalMinor: t.expose('subtotalMinor', { type: 'SafeInt' }),
    discountMinor: t.expose('discountMinor', { type: 'SafeInt' }),
    taxMinor: t.expose('taxMinor', { type: 'SafeInt' }),
    totalMinor: t.expose('totalMinor', { type: 'SafeInt' }),
  }),
});

const PaymentRef = builder.objectRef<Payment>('Payment').implement({
  fields: (t) => ({
    method: t.exposeString('method'),
    amountMinor: t.expose('amountMinor', { type: 'SafeInt' }),
  }),
});

const SaleErrorRef = builder.objectRef<SaleError>('SaleError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

/** A sale: content fixed at `sell()`, cloud fields from ingestion, the terminal's sync state. */
export const SaleRef = builder.objectRef<WithDeleted<Sale>>('Sale').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    terminalId: t.exposeString('terminalId'),
    posId: t.exposeString('posId'),
    localEventId: t.expose('localEventId', { type: 'SafeInt' }),
    branchId: t.exposeString('branchId'),
    cashierId: t.exposeString('cashierId', { nullable: true }),
    createdAt: t.exposeString('createdAt'),
    currency: t.exposeString('currency'),
    lines: t.field({ type: [SaleLineRef], resolve: (s) => s.lines }),
    totals: t.field({ type: SaleTotalsRef, resolve: (s) => s.totals }),
    payments: t.field({ type: [PaymentRef], resolve: (s) => s.payments }),
    changeMinor: t.expose('changeMinor', { type: 'SafeInt' }),
    invoiceNo: t.expose('invoiceNo', { type: 'SafeInt', nullable: true }),
    ingestedAt: t.exposeString('ingestedAt', { nullable: true }),
    syncState: t.exposeString('syncState', {
      description:
        'synced (booked, with invoiceNo), needs_attention (refused: see lastError; an operator ' +
        'accepts or discards it with the rejected-event mutations) or discarded (an operator ' +
        'discarded it: final, never booked). A terminal also has queued, which the cloud never returns.',
    }),
    lastError: t.field({ type: SaleErrorRef, nullable: true, resolve: (s) => s.lastError }),
    syncAttempts: t.exposeInt('syncAttempts'),
    _deleted: t.boolean({ resolve: (s) => s._deleted ?? false }),
  }),
});

// Input types mirror the document, but enums are plain strings and numbers are SafeInt: a sale with an
// unknown payment method or a negative amount must reach `ingestSales` and be refused alone (dead
// letter, `needs_attention`), not fail the coercion of the whole batch and block the terminal's queue.
const SaleLineDocumentInput = builder.inputType('SaleLineDocumentInput', {
  fields: (t) => ({
    productId: t.string({ required: true }),
    sku: t.string({ required: true }),
    name: t.string({ required: true }),
    quantity: t.field({ type: 'SafeInt', required: true }),
    unitPriceMinor: t.field({ type: 'SafeInt', required: true }),
    discountMinor: t.field({ type: 'SafeInt', required: true }),
    taxRateBps: t.field({ type: 'SafeInt', required: true }),
    taxMinor: t.field({ type: 'SafeInt', required: true }),
    lineTotalMinor: t.field({ type: 'SafeInt', required: true }),
  }),
});

const SaleTotalsInput = builder.inputType('SaleTotalsInput', {
  fields: (t) => ({
    subtotalMinor: t.field({ type: 'SafeInt', required: true }),
    discountMinor: t.field({ type: 'SafeInt', required: true }),
    taxMinor: t.field({ type: 'SafeInt', required: true }),
    totalMinor: t.field({ type: 'SafeInt', required: true }),
  }),
});

const PaymentInput = builder.inputType('PaymentInput', {
  fields: (t) => ({
    method: t.string({ required: true }),
    amountMinor: t.field({ type: 'SafeInt', required: true }),
  }),
});

const SaleErrorInput = builder.inputType('SaleErrorInput', {
  fields: (t) => ({
    code: t.string({ required: true }),
    message: t.string({ required: true }),
  }),
});

const SaleDocumentInput = builder.inputType('SaleDocumentInput', {
  description: 'A sale as RxDB pushes it; validated per row by `validateSale` in the store.',
  fields: (t) => ({
    id: t.string({ required: true }),
    terminalId: t.string({ required: true }),
    posId: t.string({ required: true }),
    localEventId: t.field({ type: 'SafeInt', required: true }),
    branchId: t.string({ required: true }),
    cashierId: t.string(),
    createdAt: t.string({ required: true }),
    currency: t.string({ required: true }),
    lines: t.field({ type: [SaleLineDocumentInput], required: true }),
    totals: t.field({ type: SaleTotalsInput, required: true }),
    payments: t.field({ type: [PaymentInput], required: true }),
    changeMinor: t.field({ type: 'SafeInt', required: true }),
    invoiceNo: t.field({ type: 'SafeInt' }),
    ingestedAt: t.string(),
    syncState: t.string({ required: true }),
    lastError: t.field({ type: SaleErrorInput }),
    syncAttempts: t.field({ type: 'SafeInt', required: true }),
    _deleted: t.boolean({ required: true }),
  }),
});

const SalePushRowInput = builder.inputType('SalePushRow', {
  fields: (t) => ({
    assumedMasterState: t.field({ type: SaleDocumentInput }),
    newDocumentState: t.field({ type: SaleDocumentInput, required: true }),
  }),
});

const SalesPullRef = pullResultType('SalesPull', SaleRef);
const SaleConnectionRef = connectionType('Sale', SaleRef);

const GapRangeRef = builder.objectRef<{ from: number; to: number }>('GapRange').implement({
  fields: (t) => ({
    from: t.expose('from', { type: 'SafeInt' }),
    to: t.expose('to', { type: 'SafeInt' }),
  }),
});

/** Lost-sale detection for one installation (posId). */
export const PosGapsRef = builder.objectRef<PosGaps>('PosGaps').implement({
  fields: (t) => ({
    branchId: t.exposeString('branchId'),
    terminalId: t.exposeString('terminalId'),
    posId: t.exposeString('posId'),
    highestContiguous: t.expose('highestContiguous', { type: 'SafeInt' }),
    highestSeen: t.expose('highestSeen', { type: 'SafeInt' }),
    gaps: t.field({ type: [GapRangeRef], resolve: (g) => g.gaps }),
  }),
});

/** Rows are checked as an envelope only; each sale is validated alone by the store (dead letters). */
const pushSalesArgsSchema = pushArgsSchema(
  z.object({
    assumedMasterState: z.unknown().optional(),
    // GraphQL already coerced the row into an input object; the sale itself is validated by the
    // store's check (`checkPushedSale`), so this only asserts the shape without copying 50 sales.
    newDocumentState: z.custom<Record<string, unknown>>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    ),
  }),
);

const salesFilterFields = {
  branchId: idSchema.nullish(),
  terminalId: idSchema.nullish(),
  from: isoDateTimeSchema.nullish(),
  to: isoDateTimeSchema.nullish(),
  invoiceNo: z.int().min(1).nullish(),
};
const salesFilterSchema = pageArgsSchema.extend(salesFilterFields);

/** The store's filter from validated arguments. */
function salesFilterOf(a: z.output<z.ZodObject<typeof salesFilterFields>>): SalesFilter {
  return {
    branchId: a.branchId ?? undefined,
    terminalId: a.terminalId ?? undefined,
    from: a.from ?? undefined,
    to: a.to ?? undefined,
    invoiceNo: a.invoiceNo ?? undefined,
  };
}

type CurrencyTotals = SalesSummary['currencies'][number];

const CurrencyTotalsRef = builder.objectRef<CurrencyTotals>('CurrencyTotals').implement({
  description: 'Count and sums of the sales in one currency.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    count: t.exposeInt('count'),
    subtotalMinor: t.expose('subtotalMinor', { type: 'SafeInt' }),
    discountMinor: t.expose('discountMinor', { type: 'SafeInt' }),
    taxMinor: t.expose('taxMinor', { type: 'SafeInt' }),
    totalMinor: t.expose('totalMinor', { type: 'SafeInt' }),
  }),
});

const SalesSummaryRef = builder.objectRef<SalesSummary>('SalesSummary').implement({
  description: 'Count and sums of the booked sales matching a filter, per currency.',
  fields: (t) => ({
    count: t.exposeInt('count'),
    currencies: t.field({ type: [CurrencyTotalsRef], resolve: (s) => s.currencies }),
  }),
});

/**
 * The push answer: RxDB's conflicts. A duplicate answers the booked copy (the terminal adopts its
 * invoice number); a refusal answers the terminal's sale, `needs_attention` or `discarded` (see
 * `saleConflictHandler`). A fresh ingest is not a conflict: its booked copy arrives by pull.
 */
function conflictOf(outcome: SaleIngestOutcome): WithDeleted<Sale> | null {
  if (outcome.status === 'ingested' || outcome.sale === null) return null;
  return { ...outcome.sale, _deleted: false };
}

builder.queryFields((t) => ({
  pullSales: t.field({
    type: SalesPullRef,
    description:
      "This terminal's sales acknowledgements (booked copies, refusals, decisions) by seq.",
    args: {
      checkpoint: t.arg({ type: CheckpointInput }),
      limit: t.arg.int({ required: true }),
      queueDepth: t.arg.int(),
    },
    resolve: (_root, args, context) =>
      servePull(context, 'sales', args, (scope, checkpoint, limit) =>
        context.store.pullSales(scope, checkpoint, limit),
      ),
  }),
  sales: t.field({
    type: SaleConnectionRef,
    description: 'Booked sales in ingest order, filtered; `from` ≤ createdAt < `to` (admin).',
    args: {
      branchId: t.arg.string(),
      terminalId: t.arg.string(),
      from: t.arg.string(),
      to: t.arg.string(),
      invoiceNo: t.arg.int({ description: "The branch's invoice number (one per branch)." }),
      first: t.arg.int(),
      after: t.arg.string(),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const a = parseInput(salesFilterSchema, args);
      const connection = await context.store.querySales(tenantId, salesFilterOf(a), {
        first: a.first,
        after: a.after ?? null,
      });
      return {
        ...connection,
        edges: connection.edges.map((e) => ({ ...e, node: { ...e.node, _deleted: false } })),
      };
    },
  }),
  salesSummary: t.field({
    type: SalesSummaryRef,
    description: 'Count and sums of the sales `sales` answers for the same filter (admin).',
    args: {
      branchId: t.arg.string(),
      terminalId: t.arg.string(),
      from: t.arg.string(),
      to: t.arg.string(),
      invoiceNo: t.arg.int(),
      tenantId: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const a = parseInput(z.object(salesFilterFields), args);
      return context.store.summarizeSales(tenantId, salesFilterOf(a));
    },
  }),
  saleGaps: t.field({
    type: [PosGapsRef],
    description: 'Lost-sale detection: missing localEventIds per posId (admin).',
    args: { branchId: t.arg.string(), terminalId: t.arg.string(), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const filter = parseInput(
        z.object({ branchId: idSchema.nullish(), terminalId: idSchema.nullish() }),
        args,
      );
      return context.store.saleGaps(tenantId, {
        branchId: filter.branchId ?? undefined,
        terminalId: filter.terminalId ?? undefined,
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  pushSales: t.field({
    type: [SaleRef],
    description:
      'Ingests sales exactly once (key terminalId:posId:localEventId); answers the conflicting ' +
      'masters: booked copies of duplicates and refused sales marked needs_attention.',
    args: { rows: t.arg({ type: [SalePushRowInput], required: true }) },
    resolve: async (_root, args, context) => {
      const scope = requireTerminal(context);
      const { rows } = parseInput(pushSalesArgsSchema, args);
      const outcomes = await context.store.ingestSales(
        scope,
        rows.map((row) => row.newDocumentState),
      );
      context.metrics.pushes.inc({ stream: 'sales' });
      const conflicts: WithDeleted<Sale>[] = [];
      outcomes.forEach((outcome, i) => {
        context.metrics.sales.inc({ outcome: outcome.status });
        const pushed = rows[i]!.newDocumentState;
        const fields = {
          eventId: typeof pushed['id'] === 'string' ? pushed['id'] : null,
          eventKey: outcome.key,
          syncAttempt: typeof pushed['syncAttempts'] === 'number' ? pushed['syncAttempts'] : null,
        };
        if (outcome.status === 'duplicate') {
          context.log.info({ ...fields, errorCode: 'POS_SYNC_EVENT_DUPLICATE' }, 'duplicate sale');
        } else if (outcome.status === 'rejected') {
          context.log.warn(
            { ...fields, errorCode: outcome.code, problems: outcome.problems.slice(0, 10) },
            'sale refused',
          );
        }
        const conflict = conflictOf(outcome);
        if (conflict) conflicts.push(conflict);
      });
      context.log.info(
        {
          rows: rows.length,
          ingested: outcomes.filter((o) => o.status === 'ingested').length,
        },
        'sales pushed',
      );
      await recordContact(context, scope, { kind: 'push', stream: 'sales' });
      return conflicts;
    },
  }),
}));

builder.subscriptionFields((t) => ({
  streamSales: t.field({
    type: StreamHintRef,
    description: "A hint that the branch's sales stream changed: pull from your own checkpoint.",
    subscribe: (_root, _args, context) => streamHints(context, 'sales'),
    resolve: (hint) => hint,
  }),
}));

import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import { pushArgsSchema } from '../../replication/index.ts';
import type {
  AccountCheck,
  Payment,
  ReturnOf,
  ReturnedLine,
  Sale,
  SaleError,
  SaleLine,
  SaleOverride,
  SaleTotals,
} from '../../schema/index.ts';
import {
  idSchema,
  isoDateTimeSchema,
  saleKindSchema,
  uuidV7Schema,
  withSaleV2Defaults,
} from '../../schema/index.ts';
import type {
  CurrencyTotals,
  KindTotals,
  PosGaps,
  SaleIngestOutcome,
  SalesFilter,
  SalesTotals,
} from '../store/index.ts';
import { totalsByCurrency } from '../store/index.ts';
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
    originalLine: t.field({
      type: 'SafeInt',
      nullable: true,
      description: "On a return: the index of the returned line in the original sale's lines.",
      resolve: (l) => (l as Partial<SaleLine>).originalLine ?? null,
    }),
    restock: t.boolean({
      nullable: true,
      description: 'On a return: whether the goods went back into branch inventory.',
      resolve: (l) => (l as Partial<SaleLine>).restock ?? null,
    }),
  }),
});

const ReturnOfRef = builder.objectRef<ReturnOf>('ReturnOf').implement({
  description:
    'What a return points at, and how the terminal knew the original (own, cloud, unverified).',
  fields: (t) => ({
    saleId: t.exposeString('saleId'),
    invoiceNo: t.expose('invoiceNo', { type: 'SafeInt', nullable: true }),
    terminalId: t.exposeString('terminalId'),
    branchId: t.exposeString('branchId'),
    source: t.exposeString('source'),
  }),
});

const SaleOverrideRef = builder.objectRef<SaleOverride>('SaleOverride').implement({
  description: "A manager's override of refusals at the till.",
  fields: (t) => ({
    managerId: t.exposeString('managerId'),
    reason: t.exposeString('reason'),
    codes: t.exposeStringList('codes'),
  }),
});

const AccountCheckRef = builder.objectRef<AccountCheck>('AccountCheck').implement({
  description: "The terminal's credit check of an account charge, as it made it.",
  fields: (t) => ({
    limitMinor: t.expose('limitMinor', { type: 'SafeInt' }),
    balanceSeenMinor: t.expose('balanceSeenMinor', { type: 'SafeInt' }),
    unsyncedMinor: t.expose('unsyncedMinor', { type: 'SafeInt' }),
    availableMinor: t.expose('availableMinor', { type: 'SafeInt' }),
  }),
});

/** A stored copy booked before sales schema version 2 reads as a plain sale made online. */
const v2 = (sale: Sale): Sale => withSaleV2Defaults(sale);

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

/**
 * A sale document as the API serves it. An admin query stamps the tenant it read from, so the
 * `returns` of each sale are read in that tenant (a root token may name any).
 */
type SaleNode = WithDeleted<Sale> & { _tenantId?: string };

/** A sale: content fixed at `sell()`, cloud fields from ingestion, the terminal's sync state. */
export const SaleRef = builder.objectRef<SaleNode>('Sale');

SaleRef.implement({
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
    kind: t.string({ description: 'sale, return or settlement.', resolve: (s) => v2(s).kind }),
    customerId: t.string({ nullable: true, resolve: (s) => v2(s).customerId }),
    returnOf: t.field({ type: ReturnOfRef, nullable: true, resolve: (s) => v2(s).returnOf }),
    reason: t.string({ nullable: true, resolve: (s) => v2(s).reason }),
    offline: t.boolean({
      description: 'The terminal had not reached the cloud within the offline threshold.',
      resolve: (s) => v2(s).offline,
    }),
    lastContactAt: t.string({ nullable: true, resolve: (s) => v2(s).lastContactAt }),
    override: t.field({ type: SaleOverrideRef, nullable: true, resolve: (s) => v2(s).override }),
    accountCheck: t.field({
      type: AccountCheckRef,
      nullable: true,
      resolve: (s) => v2(s).accountCheck,
    }),
    invoiceNo: t.expose('invoiceNo', { type: 'SafeInt', nullable: true }),
    ingestedAt: t.exposeString('ingestedAt', { nullable: true }),
    accountVerification: t.string({
      nullable: true,
      description: "The cloud's check of an account charge at ingest: verified or over_limit.",
      resolve: (s) => v2(s).accountVerification,
    }),
    accountLedgerSeq: t.field({
      type: 'SafeInt',
      nullable: true,
      description:
        "The ledger position of the account entry this booking wrote; the customer's balance " +
        'includes it once its ledgerSeq reaches this.',
      resolve: (s) => v2(s).accountLedgerSeq,
    }),
    syncState: t.exposeString('syncState', {
      description:
        'synced (booked, with invoiceNo), needs_attention (refused: see lastError; an operator ' +
        'accepts or discards it with the rejected-event mutations) or discarded (an operator ' +
        'discarded it: final, never booked). A terminal also has queued, which the cloud never returns.',
    }),
    lastError: t.field({ type: SaleErrorRef, nullable: true, resolve: (s) => s.lastError }),
    syncAttempts: t.exposeInt('syncAttempts'),
    _deleted: t.boolean({ resolve: (s) => s._deleted ?? false }),
    returns: t.field({
      type: [SaleRef],
      description: 'The booked returns of this sale, in ingest order (admin).',
      resolve: async (s, _args, context) => {
        const { tenantId } = requireAdmin(context, s._tenantId);
        const byOriginal = await context.store.returnsOf(tenantId, [s.id]);
        return (byOriginal.get(s.id) ?? []).map((r) => ({
          ...r,
          _deleted: false,
          _tenantId: tenantId,
        }));
      },
    }),
  }),
});

const ReturnedLineRef = builder.objectRef<ReturnedLine>('ReturnedLine').implement({
  description: 'What the cloud booked as returned of one line of a sale, summed over its returns.',
  fields: (t) => ({
    quantity: t.expose('quantity', { type: 'SafeInt' }),
    discountMinor: t.expose('discountMinor', { type: 'SafeInt' }),
    taxMinor: t.expose('taxMinor', { type: 'SafeInt' }),
  }),
});

const SaleForReturnRef = builder
  .objectRef<{ sale: Sale; returned: ReturnedLine[] }>('SaleForReturn')
  .implement({
    description: 'A sale of the branch and what was returned of each of its lines (by index).',
    fields: (t) => ({
      sale: t.field({ type: SaleRef, resolve: (r) => ({ ...r.sale, _deleted: false }) }),
      returned: t.field({ type: [ReturnedLineRef], resolve: (r) => r.returned }),
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
    // Optional: protocol-5 terminals do not send the version-2 fields (defaulted at the store).
    originalLine: t.field({ type: 'SafeInt' }),
    restock: t.boolean(),
  }),
});

const ReturnOfInput = builder.inputType('ReturnOfInput', {
  fields: (t) => ({
    saleId: t.string({ required: true }),
    invoiceNo: t.field({ type: 'SafeInt' }),
    terminalId: t.string({ required: true }),
    branchId: t.string({ required: true }),
    source: t.string({ required: true }),
  }),
});

const SaleOverrideInput = builder.inputType('SaleOverrideInput', {
  fields: (t) => ({
    managerId: t.string({ required: true }),
    reason: t.string({ required: true }),
    codes: t.stringList({ required: true }),
  }),
});

const AccountCheckInput = builder.inputType('AccountCheckInput', {
  fields: (t) => ({
    limitMinor: t.field({ type: 'SafeInt', required: true }),
    balanceSeenMinor: t.field({ type: 'SafeInt', required: true }),
    unsyncedMinor: t.field({ type: 'SafeInt', required: true }),
    availableMinor: t.field({ type: 'SafeInt', required: true }),
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
    // Optional: protocol-5 terminals do not send the version-2 fields (defaulted at the store).
    kind: t.string(),
    customerId: t.string(),
    returnOf: t.field({ type: ReturnOfInput }),
    reason: t.string(),
    offline: t.boolean(),
    lastContactAt: t.string(),
    override: t.field({ type: SaleOverrideInput }),
    accountCheck: t.field({ type: AccountCheckInput }),
    invoiceNo: t.field({ type: 'SafeInt' }),
    ingestedAt: t.string(),
    accountVerification: t.string(),
    accountLedgerSeq: t.field({ type: 'SafeInt' }),
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

/** The filter of `sales` and `salesTotals`: the place and time, an invoice number, a kind. */
const salesFilterFields = {
  branchId: idSchema.nullish(),
  terminalId: idSchema.nullish(),
  from: isoDateTimeSchema.nullish(),
  to: isoDateTimeSchema.nullish(),
  invoiceNo: z.int().min(1).nullish(),
  kind: saleKindSchema.nullish(),
};
const salesFilterSchema = z.object(salesFilterFields);

/** The arguments of that filter, the same on both queries. */
const salesFilterArgs = builder.args((t) => ({
  branchId: t.string(),
  terminalId: t.string(),
  from: t.string(),
  to: t.string(),
  invoiceNo: t.int({ description: "The branch's invoice number (one per branch)." }),
  kind: t.string({
    description:
      'sale, return or settlement; all kinds when omitted (bookings before protocol 6 are sales).',
  }),
}));

/** The store's filter from validated arguments. */
function salesFilterOf(a: z.output<typeof salesFilterSchema>): SalesFilter {
  return {
    branchId: a.branchId ?? undefined,
    terminalId: a.terminalId ?? undefined,
    from: a.from ?? undefined,
    to: a.to ?? undefined,
    invoiceNo: a.invoiceNo ?? undefined,
    kind: a.kind ?? undefined,
  };
}

const KindTotalsRef = builder.objectRef<KindTotals>('KindTotals').implement({
  description: 'Count and sums of `totals` of the documents of one kind in one currency.',
  fields: (t) => ({
    count: t.exposeInt('count'),
    subtotalMinor: t.expose('subtotalMinor', { type: 'SafeInt' }),
    discountMinor: t.expose('discountMinor', { type: 'SafeInt' }),
    taxMinor: t.expose('taxMinor', { type: 'SafeInt' }),
    totalMinor: t.expose('totalMinor', { type: 'SafeInt' }),
  }),
});

const SettlementTotalsRef = builder
  .objectRef<CurrencyTotals['settlements']>('SettlementTotals')
  .implement({
    description:
      'Settlements in one currency: customers paying down their accounts. Payments on account, not ' +
      'revenue: the charges they settle were counted as sales, so they are never part of `net`.',
    fields: (t) => ({
      count: t.exposeInt('count'),
      settledMinor: t.expose('settledMinor', {
        type: 'SafeInt',
        description:
          'Payments less change: what was paid onto the accounts (a settlement totals 0).',
      }),
    }),
  });

const CurrencyTotalsRef = builder.objectRef<CurrencyTotals>('CurrencyTotals').implement({
  description: 'The booked documents of one currency: each kind apart, and sales net of returns.',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    sales: t.field({
      type: KindTotalsRef,
      description: 'Sales, before their returns (bookings before protocol 6 are sales).',
      resolve: (c) => c.sales,
    }),
    returns: t.field({
      type: KindTotalsRef,
      description: 'Returns: their totals are what was refunded, as positive amounts.',
      resolve: (c) => c.returns,
    }),
    settlements: t.field({ type: SettlementTotalsRef, resolve: (c) => c.settlements }),
    net: t.field({
      type: SaleTotalsRef,
      description:
        'Sales − returns, field by field: the revenue. Settlements are payments on account, not ' +
        'revenue, and are left out.',
      resolve: (c) => c.net,
    }),
  }),
});

const SalesTotalsRef = builder.objectRef<SalesTotals>('SalesTotals').implement({
  description: 'The booked documents matching a filter, per currency.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'Documents matching the filter, of every kind.' }),
    currencies: t.field({ type: [CurrencyTotalsRef], resolve: (s) => s.currencies }),
  }),
});

const saleLookupSchema = z
  .object({ saleId: uuidV7Schema.nullish(), invoiceNo: z.int().min(1).nullish() })
  .refine((a) => (a.saleId == null) !== (a.invoiceNo == null), 'give saleId or invoiceNo');

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
      ...salesFilterArgs,
      first: t.arg.int(),
      after: t.arg.string(),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const a = parseInput(pageArgsSchema.extend(salesFilterFields), args);
      const connection = await context.store.querySales(tenantId, salesFilterOf(a), {
        first: a.first,
        after: a.after ?? null,
      });
      return {
        ...connection,
        edges: connection.edges.map((e) => ({
          ...e,
          node: { ...e.node, _deleted: false, _tenantId: tenantId },
        })),
      };
    },
  }),
  salesTotals: t.field({
    type: SalesTotalsRef,
    description:
      'Totals of the documents `sales` lists for the same filter, per currency: sales, returns and ' +
      'settlements apart, and net = sales − returns. Settlements are payments on account, not ' +
      'revenue (admin).',
    args: { ...salesFilterArgs, tenantId: t.arg.string() },
    resolve: async (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const filter = salesFilterOf(parseInput(salesFilterSchema, args));
      return totalsByCurrency(await context.store.summarizeSales(tenantId, filter));
    },
  }),
  saleForReturn: t.field({
    type: SaleForReturnRef,
    nullable: true,
    description:
      "A booked sale of this terminal's branch, by id or invoice number, with what was returned of " +
      "each line: what a terminal needs to return another terminal's sale (terminal).",
    args: { saleId: t.arg.string(), invoiceNo: t.arg({ type: 'SafeInt' }) },
    resolve: (_root, args, context) => {
      const scope = requireTerminal(context);
      const a = parseInput(saleLookupSchema, args);
      return context.store.saleForReturn(
        scope,
        a.saleId != null ? { saleId: a.saleId } : { invoiceNo: a.invoiceNo! },
      );
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

import { z } from 'zod';
import { idSchema } from '../../schema/index.ts';
import type { DeadLetter } from '../store/index.ts';
import { builder } from './builder.ts';
import { connectionType, pageArgsSchema } from './connection.ts';
import { parseInput, requireAdmin } from './guards.ts';
import type { GraphQLContext } from '../context.ts';
import { rejectedEventFeed } from './rejected-event-feed.ts';
import type { CatalogPrice, ComputedLine, RejectedEventReview } from './rejected-event-review.ts';
import { reviewRejectedEvent } from './rejected-event-review.ts';
import { SaleRef, SaleTotalsRef } from './sale.ts';

const ProblemRef = builder.objectRef<DeadLetter['problems'][number]>('EventProblem').implement({
  fields: (t) => ({
    path: t.exposeString('path'),
    message: t.exposeString('message'),
    rule: t.exposeString('rule'),
  }),
});

export const RejectedEventRef = builder.objectRef<DeadLetter>('RejectedEvent').implement({
  description: 'A refused event kept for an operator, with the payload exactly as received.',
  fields: (t) => ({
    id: t.exposeString('id'),
    branchId: t.exposeString('branchId'),
    terminalId: t.exposeString('terminalId'),
    eventKey: t.exposeString('eventKey'),
    eventId: t.exposeString('eventId', { nullable: true }),
    kind: t.exposeString('kind'),
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    problems: t.field({ type: [ProblemRef], resolve: (e) => e.problems }),
    payload: t.expose('payload', { type: 'JSON', nullable: true }),
    receivedAt: t.exposeString('receivedAt'),
    resolvedAt: t.exposeString('resolvedAt', { nullable: true }),
    resolution: t.exposeString('resolution', { nullable: true }),
    resolutionNote: t.exposeString('resolutionNote', { nullable: true }),
    resolvedBy: t.exposeString('resolvedBy', { nullable: true }),
  }),
});

const RejectedEventStatus = builder.enumType('RejectedEventStatus', {
  values: ['OPEN', 'RESOLVED', 'ALL'] as const,
});

const RejectedEventConnectionRef = connectionType('RejectedEvent', RejectedEventRef);

const errorCodeArgSchema = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'not an error code');

const ComputedLineRef = builder.objectRef<ComputedLine>('ComputedLine').implement({
  description: "One line of a refused sale as the cloud computes it from the line's own pricing.",
  fields: (t) => ({
    index: t.exposeInt('index'),
    taxMinor: t.expose('taxMinor', { type: 'SafeInt', nullable: true }),
    lineTotalMinor: t.expose('lineTotalMinor', { type: 'SafeInt', nullable: true }),
    problem: t.exposeString('problem', { nullable: true }),
  }),
});

const CatalogPriceRef = builder.objectRef<CatalogPrice>('CatalogPrice').implement({
  description:
    "A line's product as the catalog holds it now, branch price applied. The cloud keeps no price " +
    'history: `changedSinceSale` says the product changed after the sale was made.',
  fields: (t) => ({
    productId: t.exposeString('productId'),
    found: t.exposeBoolean('found'),
    sku: t.exposeString('sku', { nullable: true }),
    name: t.exposeString('name', { nullable: true }),
    priceMinor: t.expose('priceMinor', { type: 'SafeInt', nullable: true }),
    currency: t.exposeString('currency', { nullable: true }),
    taxRateBps: t.exposeInt('taxRateBps', { nullable: true }),
    updatedAt: t.exposeString('updatedAt', { nullable: true }),
    changedSinceSale: t.exposeBoolean('changedSinceSale'),
  }),
});

const RejectedEventReviewRef = builder
  .objectRef<RejectedEventReview>('RejectedEventReview')
  .implement({
    description:
      'A refused sale next to what the cloud computes or holds for it: recomputed lines and totals, ' +
      'the sale booked under the same key, the catalog records of its products.',
    fields: (t) => ({
      event: t.field({ type: RejectedEventRef, resolve: (r) => r.event }),
      computedLines: t.field({ type: [ComputedLineRef], resolve: (r) => r.computedLines }),
      computedTotals: t.field({
        type: SaleTotalsRef,
        nullable: true,
        resolve: (r) => r.computedTotals,
      }),
      bookedSale: t.field({
        type: SaleRef,
        nullable: true,
        resolve: (r) => (r.bookedSale ? { ...r.bookedSale, _deleted: false } : null),
      }),
      catalog: t.field({ type: [CatalogPriceRef], resolve: (r) => r.catalog }),
    }),
  });

/** Whether the admin identity of a long-lived operation still holds (a tenant token may be revoked). */
async function adminStillValid(context: GraphQLContext): Promise<boolean> {
  const auth = context.auth;
  if (auth.kind === 'root') return true;
  if (auth.kind !== 'admin') return false;
  const token = (await context.store.listAdminTokens(auth.tenantId)).find(
    (t) => t.tokenId === auth.tokenId,
  );
  return (
    token !== undefined &&
    token.revokedAt === null &&
    (token.expiresAt === null || token.expiresAt > new Date().toISOString())
  );
}

const decisionSchema = z.object({ id: idSchema, note: z.string().trim().min(1).max(2000) });

builder.queryFields((t) => ({
  rejectedEvents: t.field({
    type: RejectedEventConnectionRef,
    description: 'The dead-letter queue of refused sales, open ones by default (admin).',
    args: {
      branchId: t.arg.string(),
      terminalId: t.arg.string(),
      code: t.arg.string({ description: 'The refusal code, e.g. POS_SYNC_EVENT_INVALID.' }),
      status: t.arg({ type: RejectedEventStatus }),
      first: t.arg.int(),
      after: t.arg.string(),
      tenantId: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const a = parseInput(
        pageArgsSchema.extend({
          branchId: idSchema.nullish(),
          terminalId: idSchema.nullish(),
          code: errorCodeArgSchema.nullish(),
        }),
        args,
      );
      return context.store.listRejectedEvents(
        tenantId,
        {
          branchId: a.branchId ?? undefined,
          terminalId: a.terminalId ?? undefined,
          code: a.code ?? undefined,
          status: (args.status?.toLowerCase() ?? 'open') as 'open' | 'resolved' | 'all',
        },
        { first: a.first, after: a.after ?? null },
      );
    },
  }),
}));

builder.queryFields((t) => ({
  rejectedEventReview: t.field({
    type: RejectedEventReviewRef,
    description: 'One refused sale next to what the cloud computes or holds for it (admin).',
    args: { id: t.arg.string({ required: true }), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      return reviewRejectedEvent(context.store, tenantId, parseInput(idSchema, args.id));
    },
  }),
}));

builder.subscriptionFields((t) => ({
  rejectedEventAdded: t.field({
    type: RejectedEventRef,
    description:
      'Each sale refused from now on, as it is filed (admin, over graphql-ws). Ends when the admin ' +
      'token is revoked or expires.',
    args: { branchId: t.arg.string(), terminalId: t.arg.string(), tenantId: t.arg.string() },
    subscribe: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const filter = parseInput(
        z.object({ branchId: idSchema.nullish(), terminalId: idSchema.nullish() }),
        args,
      );
      return rejectedEventFeed(
        context,
        tenantId,
        { branchId: filter.branchId ?? undefined, terminalId: filter.terminalId ?? undefined },
        () => adminStillValid(context),
      );
    },
    resolve: (event) => event,
  }),
}));

builder.mutationFields((t) => ({
  acceptRejectedSale: t.field({
    type: RejectedEventRef,
    description:
      'Books a refused sale as it is (flagged, audited); the terminal learns it by pull.',
    args: {
      id: t.arg.string({ required: true }),
      note: t.arg.string({ required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const { id, note } = parseInput(decisionSchema, args);
      return context.store.acceptRejectedSale(tenantId, id, note, actor);
    },
  }),
  discardRejectedSale: t.field({
    type: RejectedEventRef,
    description:
      'Closes a refused sale without booking it (audited); the terminal learns it by pull.',
    args: {
      id: t.arg.string({ required: true }),
      note: t.arg.string({ required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const { id, note } = parseInput(decisionSchema, args);
      return context.store.discardRejectedSale(tenantId, id, note, actor);
    },
  }),
}));

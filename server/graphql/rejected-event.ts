import { z } from 'zod';
import { idSchema } from '../../schema/index.ts';
import type { DeadLetter } from '../store/index.ts';
import { builder } from './builder.ts';
import { connectionType, pageArgsSchema } from './connection.ts';
import { parseInput, requireAdmin } from './guards.ts';

const ProblemRef = builder.objectRef<DeadLetter['problems'][number]>('EventProblem').implement({
  fields: (t) => ({
    path: t.exposeString('path'),
    message: t.exposeString('message'),
    rule: t.exposeString('rule'),
  }),
});

const RejectedEventRef = builder.objectRef<DeadLetter>('RejectedEvent').implement({
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

const decisionSchema = z.object({ id: idSchema, note: z.string().trim().min(1).max(2000) });

builder.queryFields((t) => ({
  rejectedEvents: t.field({
    type: RejectedEventConnectionRef,
    description: 'The dead-letter queue of refused sales, open ones by default (admin).',
    args: {
      branchId: t.arg.string(),
      terminalId: t.arg.string(),
      status: t.arg({ type: RejectedEventStatus }),
      first: t.arg.int(),
      after: t.arg.string(),
      tenantId: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const a = parseInput(
        pageArgsSchema.extend({ branchId: idSchema.nullish(), terminalId: idSchema.nullish() }),
        args,
      );
      return context.store.listRejectedEvents(
        tenantId,
        {
          branchId: a.branchId ?? undefined,
          terminalId: a.terminalId ?? undefined,
          status: (args.status?.toLowerCase() ?? 'open') as 'open' | 'resolved' | 'all',
        },
        { first: a.first, after: a.after ?? null },
      );
    },
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

import { z } from 'zod';
import { STREAMS } from '../../replication/index.ts';
import type { Terminal } from '../../schema/index.ts';
import { PosError, idSchema, nameSchema } from '../../schema/index.ts';
import type { RegisteredTerminal, TerminalStatus } from '../store/index.ts';
import { builder } from './builder.ts';
import { parseInput, requireAdmin, requireTerminal } from './guards.ts';
import { OfflinePolicyRef } from './offline-policy.ts';
import { PosGapsRef } from './sale.ts';

export const TerminalRef = builder.objectRef<Terminal>('Terminal').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    tenantId: t.exposeString('tenantId'),
    branchId: t.exposeString('branchId'),
    name: t.exposeString('name'),
    createdAt: t.exposeString('createdAt'),
    revokedAt: t.exposeString('revokedAt', { nullable: true }),
    lastSyncAt: t.exposeString('lastSyncAt', { nullable: true }),
  }),
});

type StreamPosition = { stream: string; checkpoint: number | null; lag: number | null };

const StreamPositionRef = builder.objectRef<StreamPosition>('StreamPosition').implement({
  description: 'Where a terminal stands in one stream, as it last reported.',
  fields: (t) => ({
    stream: t.exposeString('stream'),
    checkpoint: t.expose('checkpoint', { type: 'SafeInt', nullable: true }),
    lag: t.expose('lag', {
      type: 'SafeInt',
      nullable: true,
      description: 'Stream head minus the reported checkpoint.',
    }),
  }),
});

const TerminalStatusRef = builder.objectRef<TerminalStatus>('TerminalStatus').implement({
  description: 'A terminal with its last contact, queue depth, checkpoint lag, gaps and staleness.',
  fields: (t) => ({
    id: t.exposeString('id'),
    branchId: t.exposeString('branchId'),
    name: t.exposeString('name'),
    createdAt: t.exposeString('createdAt'),
    revokedAt: t.exposeString('revokedAt', { nullable: true }),
    lastSyncAt: t.exposeString('lastSyncAt', { nullable: true }),
    lastPullAt: t.exposeString('lastPullAt', { nullable: true }),
    lastPushAt: t.exposeString('lastPushAt', { nullable: true }),
    queueDepth: t.exposeInt('queueDepth', { nullable: true }),
    stale: t.exposeBoolean('stale', {
      description: 'No contact within POS_STALE_TERMINAL_AFTER (never seen counts as stale).',
    }),
    streams: t.field({
      type: [StreamPositionRef],
      resolve: (s) =>
        STREAMS.map((stream) => ({
          stream,
          checkpoint: s.checkpoints[stream] ?? null,
          lag: s.lag[stream] ?? null,
        })),
    }),
    gaps: t.field({ type: [PosGapsRef], resolve: (s) => s.gaps }),
  }),
});

const RegisteredTerminalRef = builder
  .objectRef<RegisteredTerminal>('RegisteredTerminal')
  .implement({
    description: "A terminal and its token; the token's plaintext is shown this once only.",
    fields: (t) => ({
      terminalId: t.string({ resolve: (r) => r.terminal.id }),
      token: t.exposeString('token'),
      terminal: t.field({ type: TerminalRef, resolve: (r) => r.terminal }),
    }),
  });

const RegisterTerminalInput = builder.inputType('RegisterTerminalInput', {
  fields: (t) => ({
    branchId: t.string({ required: true }),
    name: t.string({ required: true }),
  }),
});

/** What a terminal learns about itself from its token. */
type CurrentTerminal = {
  terminalId: string;
  tenantId: string;
  branchId: string;
  name: string;
  currency: string | null;
};

const CurrentTerminalRef = builder.objectRef<CurrentTerminal>('CurrentTerminal').implement({
  description: 'The terminal a token belongs to, as the terminal itself sees it.',
  fields: (t) => ({
    terminalId: t.exposeString('terminalId'),
    tenantId: t.exposeString('tenantId'),
    branchId: t.exposeString('branchId'),
    name: t.exposeString('name'),
    currency: t.exposeString('currency', {
      nullable: true,
      description: "The branch's currency, when the branch has one.",
    }),
    offlinePolicy: t.field({
      type: OfflinePolicyRef,
      description: "The offline limits in force for the terminal's branch (protocol 6).",
      resolve: async (current, _args, context) =>
        (await context.store.getOfflinePolicy(current.tenantId, current.branchId)).policy,
    }),
  }),
});

builder.queryFields((t) => ({
  currentTerminal: t.field({
    type: CurrentTerminalRef,
    description:
      "The calling terminal's id, branch and currency (terminal token): how a terminal learns its scope.",
    resolve: async (_root, _args, context) => {
      const scope = requireTerminal(context);
      const [terminal, branch] = await Promise.all([
        context.store.getTerminal(scope.tenantId, scope.terminalId),
        context.store.getBranch(scope.tenantId, scope.branchId),
      ]);
      // The token resolved a moment ago; a missing row means it was deleted in between.
      if (!terminal || !branch) throw new PosError('POS_SYNC_UNAUTHORIZED');
      return {
        terminalId: terminal.id,
        tenantId: scope.tenantId,
        branchId: scope.branchId,
        name: terminal.name,
        currency: branch.currency ?? null,
      };
    },
  }),
  terminals: t.field({
    type: [TerminalStatusRef],
    description: 'Terminals (of a branch) with last sync, lag, gaps and staleness (admin).',
    args: { branchId: t.arg.string(), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const branchId = parseInput(idSchema.nullish(), args.branchId);
      return context.store.listTerminalStatus(tenantId, {
        branchId: branchId ?? undefined,
        staleAfterMs: context.config.staleTerminalAfterMs,
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  registerTerminal: t.field({
    type: RegisteredTerminalRef,
    description: 'Registers a terminal to a branch and issues its token (admin).',
    args: {
      input: t.arg({ type: RegisterTerminalInput, required: true }),
      tenantId: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const input = parseInput(z.object({ branchId: idSchema, name: nameSchema }), args.input);
      return context.store.registerTerminal(tenantId, input, actor);
    },
  }),
  revokeTerminal: t.field({
    type: TerminalRef,
    description: 'Revokes a terminal token at once; its requests get POS_TERMINAL_REVOKED (admin).',
    args: { terminalId: t.arg.string({ required: true }), tenantId: t.arg.string() },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const terminalId = parseInput(idSchema, args.terminalId);
      const revoked = await context.store.revokeTerminal(tenantId, terminalId, actor);
      context.closeTerminalSockets(tenantId, terminalId);
      return revoked;
    },
  }),
  reassignTerminal: t.field({
    type: RegisteredTerminalRef,
    description:
      'Moves a terminal to another branch with a new token; the old token stops working (admin).',
    args: {
      terminalId: t.arg.string({ required: true }),
      branchId: t.arg.string({ required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const input = parseInput(z.object({ terminalId: idSchema, branchId: idSchema }), args);
      const moved = await context.store.reassignTerminal(
        tenantId,
        input.terminalId,
        input.branchId,
        actor,
      );
      // The old branch's hints must stop: the sockets opened with the old token close.
      context.closeTerminalSockets(tenantId, input.terminalId);
      return moved;
    },
  }),
}));

import type { Branch } from '../../schema/index.ts';
import { branchSchema } from '../../schema/index.ts';
import { builder } from './builder.ts';
import { parseInput, requireAdmin } from './guards.ts';

export const BranchRef = builder.objectRef<Branch>('Branch').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    tenantId: t.exposeString('tenantId'),
    name: t.exposeString('name'),
    currency: t.exposeString('currency', { nullable: true }),
  }),
});

const BranchInput = builder.inputType('BranchInput', {
  fields: (t) => ({
    id: t.string({ required: true }),
    name: t.string({ required: true }),
    currency: t.string({ description: 'When set, sales of the branch must be in it.' }),
  }),
});

const branchInputSchema = branchSchema.omit({ tenantId: true });

builder.queryFields((t) => ({
  branches: t.field({
    type: [BranchRef],
    description: "The tenant's branches (admin).",
    args: { tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      return context.store.listBranches(tenantId);
    },
  }),
}));

builder.mutationFields((t) => ({
  createBranch: t.field({
    type: BranchRef,
    description: 'Creates a branch (admin).',
    args: { input: t.arg({ type: BranchInput, required: true }), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const input = parseInput(branchInputSchema, {
        ...args.input,
        currency: args.input.currency ?? undefined,
      });
      return context.store.createBranch(tenantId, input, actor);
    },
  }),
}));

import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import { PULL_LIMIT_MAX } from '../../replication/index.ts';
import type { Category } from '../../schema/index.ts';
import { categoryInputSchema, idSchema } from '../../schema/index.ts';
import { builder } from './builder.ts';
import { CheckpointInput, pullResultType } from './checkpoint.ts';
import { parseInput, requireAdmin, requireTerminal } from './guards.ts';
import { StreamHintRef } from './stream-hint.ts';
import { servePull, streamHints } from './sync-operations.ts';

/** A category: the same for every branch, so the cloud record is the terminal's document. */
export const CategoryRef = builder.objectRef<WithDeleted<Category>>('Category').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    parentId: t.exposeString('parentId', { nullable: true }),
    sortOrder: t.exposeInt('sortOrder'),
    updatedAt: t.exposeString('updatedAt'),
    _deleted: t.boolean({ resolve: (c) => c._deleted ?? false }),
  }),
});

const CategoryInput = builder.inputType('CategoryInput', {
  fields: (t) => ({
    id: t.string({ required: true }),
    name: t.string({ required: true }),
    parentId: t.string(),
    sortOrder: t.int(),
  }),
});

const CategoriesPullRef = pullResultType('CategoriesPull', CategoryRef);
const idsSchema = z.array(idSchema).max(PULL_LIMIT_MAX);

builder.queryFields((t) => ({
  pullCategories: t.field({
    type: CategoriesPullRef,
    description: 'Category changes after `checkpoint`, ordered by seq.',
    args: {
      checkpoint: t.arg({ type: CheckpointInput }),
      limit: t.arg.int({ required: true }),
      queueDepth: t.arg.int(),
    },
    resolve: (_root, args, context) =>
      servePull(context, 'categories', args, (scope, checkpoint, limit) =>
        context.store.pullCategories(scope.tenantId, checkpoint, limit),
      ),
  }),
  categoriesByIds: t.field({
    type: [CategoryRef],
    description: 'Categories by id for a reconcile plan; unknown or deleted ids are tombstones.',
    args: { ids: t.arg.stringList({ required: true }) },
    resolve: (_root, args, context) => {
      const scope = requireTerminal(context);
      return context.store.categoriesByIds(scope.tenantId, parseInput(idsSchema, args.ids));
    },
  }),
}));

builder.mutationFields((t) => ({
  upsertCategories: t.field({
    type: [CategoryRef],
    description: 'Creates or replaces categories in one transaction (at most 5,000).',
    args: {
      input: t.arg({ type: [CategoryInput], required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const inputs = parseInput(
        z.array(categoryInputSchema).min(1).max(context.config.upsertMax),
        args.input.map((c) => ({
          ...c,
          parentId: c.parentId ?? undefined,
          sortOrder: c.sortOrder ?? undefined,
        })),
      );
      const categories = await context.store.upsertCategories(tenantId, inputs, actor);
      return categories.map((c) => ({ ...c, _deleted: false }));
    },
  }),
  deleteCategories: t.field({
    type: ['String'],
    description: 'Deletes categories (tombstones reach every terminal); answers the ids deleted.',
    args: { ids: t.arg.stringList({ required: true }), tenantId: t.arg.string() },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const ids = parseInput(idsSchema.min(1), args.ids);
      const deleted = await context.store.deleteCategories(tenantId, ids, actor);
      return deleted;
    },
  }),
}));

builder.subscriptionFields((t) => ({
  streamCategories: t.field({
    type: StreamHintRef,
    description: 'A hint that categories changed: pull from your own checkpoint.',
    subscribe: (_root, _args, context) => streamHints(context, 'categories'),
    resolve: (hint) => hint,
  }),
}));

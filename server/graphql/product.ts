import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import { PULL_LIMIT_MAX } from '../../replication/index.ts';
import type { BranchProduct, Product } from '../../schema/index.ts';
import { idSchema, productInputSchema } from '../../schema/index.ts';
import { builder } from './builder.ts';
import { CheckpointInput, pullResultType } from './checkpoint.ts';
import { connectionType, pageArgsSchema } from './connection.ts';
import { SEARCH_MAX } from '../store/index.ts';
import { parseInput, requireAdmin, requireTerminal } from './guards.ts';
import { servePull, streamHints } from './sync-operations.ts';
import { StreamHintRef } from './stream-hint.ts';

/** The branch view a terminal holds (schema/ `branchProductSchema`): branch price applied. */
export const BranchProductRef = builder
  .objectRef<WithDeleted<BranchProduct>>('BranchProduct')
  .implement({
    description:
      'A product as one branch sees it: branch price applied, "" for no barcode or category. ' +
      'A product outside the branch assortment arrives as a tombstone (_deleted: true).',
    fields: (t) => ({
      id: t.exposeString('id'),
      sku: t.exposeString('sku'),
      barcode: t.exposeString('barcode'),
      name: t.exposeString('name'),
      categoryId: t.exposeString('categoryId'),
      priceMinor: t.expose('priceMinor', { type: 'SafeInt' }),
      currency: t.exposeString('currency'),
      taxRateBps: t.exposeInt('taxRateBps'),
      active: t.exposeBoolean('active'),
      updatedAt: t.exposeString('updatedAt'),
      _deleted: t.exposeBoolean('_deleted'),
    }),
  });

const BranchPriceRef = builder
  .objectRef<{ branchId: string; priceMinor: number }>('BranchPrice')
  .implement({
    fields: (t) => ({
      branchId: t.exposeString('branchId'),
      priceMinor: t.expose('priceMinor', { type: 'SafeInt' }),
    }),
  });

/** The cloud record, one for all branches (admin API). */
export const ProductRef = builder.objectRef<Product>('Product').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    sku: t.exposeString('sku'),
    barcode: t.exposeString('barcode', { nullable: true }),
    name: t.exposeString('name'),
    categoryId: t.exposeString('categoryId', { nullable: true }),
    priceMinor: t.expose('priceMinor', { type: 'SafeInt' }),
    currency: t.exposeString('currency'),
    taxRateBps: t.exposeInt('taxRateBps'),
    active: t.exposeBoolean('active'),
    branchIds: t.exposeStringList('branchIds', {
      nullable: true,
      description: 'Assortment: null means every branch.',
    }),
    branchPrices: t.field({ type: [BranchPriceRef], resolve: (p) => p.branchPrices }),
    updatedAt: t.exposeString('updatedAt'),
  }),
});

const BranchPriceInput = builder.inputType('BranchPriceInput', {
  fields: (t) => ({
    branchId: t.string({ required: true }),
    priceMinor: t.field({ type: 'SafeInt', required: true }),
  }),
});

const ProductInput = builder.inputType('ProductInput', {
  description: 'A product to create or replace; the server stamps updatedAt.',
  fields: (t) => ({
    id: t.string({ required: true }),
    sku: t.string({ required: true }),
    name: t.string({ required: true }),
    barcode: t.string(),
    categoryId: t.string(),
    priceMinor: t.field({ type: 'SafeInt', required: true }),
    currency: t.string({ required: true }),
    taxRateBps: t.int({ required: true }),
    active: t.boolean({ defaultValue: true }),
    branchIds: t.stringList({ description: 'Assortment; null or absent means every branch.' }),
    branchPrices: t.field({ type: [BranchPriceInput], defaultValue: [] }),
  }),
});

const ProductsPullRef = pullResultType('ProductsPull', BranchProductRef);

/** Ids asked for at once by `productsByIds` and `deleteProducts`. */
const idsSchema = z.array(idSchema).max(PULL_LIMIT_MAX);

const ProductConnectionRef = connectionType('Product', ProductRef);

/** Product inputs as GraphQL delivers them (absent optional fields), validated. */
function parseProductInputs(max: number, input: readonly Record<string, unknown>[]) {
  return parseInput(
    z.array(productInputSchema).min(1).max(max),
    input.map((p) => ({
      ...p,
      barcode: p['barcode'] ?? null,
      categoryId: p['categoryId'] ?? null,
      branchIds: p['branchIds'] ?? null,
    })),
  );
}

builder.queryFields((t) => ({
  pullProducts: t.field({
    type: ProductsPullRef,
    description: "Changes of the branch's product view after `checkpoint`, ordered by seq.",
    args: {
      checkpoint: t.arg({ type: CheckpointInput }),
      limit: t.arg.int({ required: true }),
      queueDepth: t.arg.int(),
    },
    resolve: (_root, args, context) =>
      servePull(context, 'products', args, (scope, checkpoint, limit) =>
        context.store.pullProducts(scope.tenantId, scope.branchId, checkpoint, limit),
      ),
  }),
  productsByIds: t.field({
    type: [BranchProductRef],
    description:
      'Branch views by id for a reconcile plan; ids the branch does not carry are tombstones.',
    args: { ids: t.arg.stringList({ required: true }) },
    resolve: (_root, args, context) => {
      const scope = requireTerminal(context);
      const ids = parseInput(idsSchema, args.ids);
      return context.store.productsByIds(scope.tenantId, scope.branchId, ids);
    },
  }),
  productList: t.field({
    type: ProductConnectionRef,
    description:
      'Live cloud products in id order; `search` matches a substring of id, SKU, barcode or name, ' +
      'ASCII letters in either case (admin).',
    args: {
      search: t.arg.string(),
      first: t.arg.int(),
      after: t.arg.string(),
      tenantId: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const a = parseInput(
        pageArgsSchema.extend({ search: z.string().trim().max(SEARCH_MAX).nullish() }),
        args,
      );
      return context.store.listProducts(tenantId, a.search ? { search: a.search } : {}, {
        first: a.first,
        after: a.after ?? null,
      });
    },
  }),
  checkProducts: t.field({
    type: 'Int',
    description:
      'A dry run of upsertProducts: the same checks, nothing stored; answers the number of rows ' +
      'checked, or POS_INPUT_INVALID with the refused rows (admin).',
    args: {
      input: t.arg({ type: [ProductInput], required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const inputs = parseProductInputs(context.config.upsertMax, args.input);
      await context.store.checkProducts(tenantId, inputs);
      return inputs.length;
    },
  }),
  products: t.field({
    type: [ProductRef],
    description: 'Cloud product records by id (admin).',
    args: { ids: t.arg.stringList({ required: true }), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      return context.store.getProducts(tenantId, parseInput(idsSchema, args.ids));
    },
  }),
}));

builder.mutationFields((t) => ({
  upsertProducts: t.field({
    type: [ProductRef],
    description: 'Creates or replaces products in one transaction (bulk import; at most 5,000).',
    args: {
      input: t.arg({ type: [ProductInput], required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const inputs = parseProductInputs(context.config.upsertMax, args.input);
      const products = await context.store.upsertProducts(tenantId, inputs, actor);
      context.log.info({ count: products.length }, 'products upserted');
      return products;
    },
  }),
  deleteProducts: t.field({
    type: ['String'],
    description: 'Deletes products (tombstones reach every terminal); answers the ids deleted.',
    args: { ids: t.arg.stringList({ required: true }), tenantId: t.arg.string() },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const deleted = await context.store.deleteProducts(
        tenantId,
        parseInput(idsSchema.min(1), args.ids),
        actor,
      );
      return deleted;
    },
  }),
}));

builder.subscriptionFields((t) => ({
  streamProducts: t.field({
    type: StreamHintRef,
    description: 'A hint that products changed: pull from your own checkpoint.',
    subscribe: (_root, _args, context) => streamHints(context, 'products'),
    resolve: (hint) => hint,
  }),
}));

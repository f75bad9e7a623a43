import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import { pushArgsSchema } from '../../replication/index.ts';
import type { InventoryItem } from '../../schema/index.ts';
import { idSchema } from '../../schema/index.ts';
import type { InventoryPushRow, InventoryRefusal, InventoryRepair } from '../store/index.ts';
import { builder } from './builder.ts';
import { CheckpointInput, pullResultType } from './checkpoint.ts';
import { parseInput, requireAdmin, requireTerminal } from './guards.ts';
import { StreamHintRef } from './stream-hint.ts';
import { recordContact, servePull, streamHints } from './sync-operations.ts';

const InventoryRefusalRef = builder
  .objectRef<Pick<InventoryRefusal, 'code' | 'message'>>('InventoryRefusal')
  .implement({
    description: 'Why the cloud refused a pushed inventory row (nothing of it was stored).',
    fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
  });

type AnsweredItem = WithDeleted<InventoryItem> & { refusal?: InventoryRefusal | null };

/** Stock of one product in one branch, with the crdt plugin's operation log as opaque JSON. */
export const InventoryItemRef = builder.objectRef<AnsweredItem>('InventoryItem').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    branchId: t.exposeString('branchId'),
    productId: t.exposeString('productId'),
    onHand: t.expose('onHand', { type: 'SafeInt' }),
    lastCountedAt: t.exposeString('lastCountedAt', { nullable: true }),
    lastReason: t.exposeString('lastReason', { nullable: true }),
    crdts: t.expose('crdts', { type: 'JSON', nullable: true }),
    _deleted: t.exposeBoolean('_deleted'),
    refusal: t.field({
      type: InventoryRefusalRef,
      nullable: true,
      description:
        'Set only in a pushInventory answer, on a row the cloud refused: the item is the row as ' +
        'pushed; the rest of the batch was merged as usual.',
      resolve: (item) => item.refusal ?? null,
    }),
  }),
});

const InventoryDocumentInput = builder.inputType('InventoryDocumentInput', {
  description: 'An inventory document as RxDB pushes it; checked in full by the shared zod schema.',
  fields: (t) => ({
    id: t.string({ required: true }),
    branchId: t.string({ required: true }),
    productId: t.string({ required: true }),
    onHand: t.field({ type: 'SafeInt', required: true }),
    lastCountedAt: t.string(),
    lastReason: t.string(),
    crdts: t.field({ type: 'JSON', required: true }),
    _deleted: t.boolean({ required: true }),
  }),
});

const InventoryPushRowInput = builder.inputType('InventoryPushRow', {
  fields: (t) => ({
    assumedMasterState: t.field({ type: InventoryDocumentInput }),
    newDocumentState: t.field({ type: InventoryDocumentInput, required: true }),
  }),
});

const InventoryPullRef = pullResultType('InventoryPull', InventoryItemRef);
// Rows are checked one by one in the store (`inventory-rules.ts`), so one bad row is refused alone.
const pushInventoryArgsSchema = pushArgsSchema(
  z.object({ newDocumentState: z.looseObject({}), assumedMasterState: z.unknown().optional() }),
);

const InventoryRepairRef = builder.objectRef<InventoryRepair>('InventoryRepair').implement({
  description: 'An invalid stored inventory row and what its repair does (or did).',
  fields: (t) => ({
    id: t.exposeString('id'),
    problem: t.exposeString('problem'),
    action: t.exposeString('action', {
      description:
        'replayed (its valid operations kept), reset (starts again at 0), or foreign (its id is not ' +
        'of the branch: not repairable in place, left out of pulls)',
    }),
    onHand: t.expose('onHand', { type: 'SafeInt', description: 'On-hand stock after the repair.' }),
    repaired: t.exposeBoolean('repaired', { description: 'Written (false in a dry run).' }),
  }),
});

const repairInventoryArgsSchema = z.object({ branchId: idSchema, dryRun: z.boolean() });

builder.queryFields((t) => ({
  pullInventory: t.field({
    type: InventoryPullRef,
    description: "Changes of the terminal's branch inventory after `checkpoint`, ordered by seq.",
    args: {
      checkpoint: t.arg({ type: CheckpointInput }),
      limit: t.arg.int({ required: true }),
      queueDepth: t.arg.int(),
    },
    resolve: (_root, args, context) =>
      servePull(context, 'inventory', args, async (scope, checkpoint, limit) => {
        const page = await context.store.pullInventory(
          scope.tenantId,
          scope.branchId,
          checkpoint,
          limit,
        );
        // Left out, not served: no trustworthy value exists for them. An admin runs repairInventory.
        if (page.skipped.length > 0) {
          context.log.error(
            { skipped: page.skipped },
            'invalid inventory rows left out of a pull; run repairInventory',
          );
        }
        return page;
      }),
  }),
}));

builder.mutationFields((t) => ({
  pushInventory: t.field({
    type: [InventoryItemRef],
    description:
      "Merges pushed inventory changes into the branch's masters (CRDT); answers the merged masters " +
      'that differ from what was pushed, for the terminal to adopt, and each refused row as pushed ' +
      'with its refusal (the other rows are merged).',
    args: { rows: t.arg({ type: [InventoryPushRowInput], required: true }) },
    resolve: async (_root, args, context) => {
      const scope = requireTerminal(context);
      const { rows } = parseInput(pushInventoryArgsSchema, args);
      const { conflicts, refused } = await context.store.pushInventory(
        scope,
        rows as InventoryPushRow[],
      );
      if (refused.length > 0) {
        context.log.warn(
          { refused: refused.map(({ id, code, message }) => ({ id, code, message })) },
          'inventory rows refused',
        );
      }
      context.metrics.pushes.inc({ stream: 'inventory' });
      await recordContact(context, scope, { kind: 'push', stream: 'inventory' });
      const answered: AnsweredItem[] = refused.map((r) => ({ ...r.document, refusal: r }));
      return [...conflicts, ...answered];
    },
  }),
  repairInventory: t.field({
    type: [InventoryRepairRef],
    description:
      "Lists (dryRun) or repairs the branch's stored inventory rows that are not valid documents: " +
      'valid operations replayed, else reset to 0; each repair gets a new seq and an audit entry.',
    args: {
      branchId: t.arg.string({ required: true }),
      dryRun: t.arg.boolean({ required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const { branchId, dryRun } = parseInput(repairInventoryArgsSchema, args);
      const repairs = await context.store.repairInventory(tenantId, branchId, { dryRun }, actor);
      return repairs;
    },
  }),
}));

builder.subscriptionFields((t) => ({
  streamInventory: t.field({
    type: StreamHintRef,
    description: "A hint that the branch's inventory changed: pull from your own checkpoint.",
    subscribe: (_root, _args, context) => streamHints(context, 'inventory'),
    resolve: (hint) => hint,
  }),
}));

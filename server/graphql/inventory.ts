import type { WithDeleted } from 'rxdb';
import { pushArgsSchema, pushRowSchema } from '../../replication/index.ts';
import type { InventoryItem } from '../../schema/index.ts';
import { PosError, inventoryItemWireSchema } from '../../schema/index.ts';
import type { InventoryPushRow } from '../store/index.ts';
import { builder } from './builder.ts';
import { CheckpointInput, pullResultType } from './checkpoint.ts';
import { parseInput, requireTerminal } from './guards.ts';
import { StreamHintRef } from './stream-hint.ts';
import { recordContact, servePull, streamHints } from './sync-operations.ts';

/** Stock of one product in one branch, with the crdt plugin's operation log as opaque JSON. */
export const InventoryItemRef = builder
  .objectRef<WithDeleted<InventoryItem>>('InventoryItem')
  .implement({
    fields: (t) => ({
      id: t.exposeString('id'),
      branchId: t.exposeString('branchId'),
      productId: t.exposeString('productId'),
      onHand: t.expose('onHand', { type: 'SafeInt' }),
      lastCountedAt: t.exposeString('lastCountedAt', { nullable: true }),
      lastReason: t.exposeString('lastReason', { nullable: true }),
      crdts: t.expose('crdts', { type: 'JSON', nullable: true }),
      _deleted: t.exposeBoolean('_deleted'),
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
const pushInventoryArgsSchema = pushArgsSchema(pushRowSchema(inventoryItemWireSchema));

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
      servePull(context, 'inventory', args, (scope, checkpoint, limit) =>
        context.store.pullInventory(scope.tenantId, scope.branchId, checkpoint, limit),
      ),
  }),
}));

builder.mutationFields((t) => ({
  pushInventory: t.field({
    type: [InventoryItemRef],
    description:
      "Merges pushed inventory changes into the branch's masters (CRDT); answers the merged masters " +
      'that differ from what was pushed, for the terminal to adopt.',
    args: { rows: t.arg({ type: [InventoryPushRowInput], required: true }) },
    resolve: async (_root, args, context) => {
      const scope = requireTerminal(context);
      const { rows } = parseInput(pushInventoryArgsSchema, args);
      // Checked here as well as in the store so a foreign row is refused before any work is done.
      const foreign = rows.find((row) => row.newDocumentState.branchId !== scope.branchId);
      if (foreign) {
        throw new PosError('POS_FORBIDDEN', 'An inventory row belongs to another branch.', {
          id: foreign.newDocumentState.id,
        });
      }
      // `pushRowSchema` is generic over any zod object, so its output type is loose; the rows were
      // just checked against `inventoryItemWireSchema`.
      const conflicts = await context.store.pushInventory(scope, rows as InventoryPushRow[]);
      context.metrics.pushes.inc({ stream: 'inventory' });
      context.hub.notify({
        tenantId: scope.tenantId,
        stream: 'inventory',
        branchId: scope.branchId,
      });
      await recordContact(context, scope, { kind: 'push', stream: 'inventory' });
      return conflicts;
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

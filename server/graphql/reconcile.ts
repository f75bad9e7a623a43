import type { Checkpoint, ManifestEntry } from '../../replication/index.ts';
import { differingBuckets, reconcileArgsSchema } from '../../replication/index.ts';
import { PosError, isPosError } from '../../schema/index.ts';
import type { CatalogStream } from '../store/index.ts';
import { builder } from './builder.ts';
import { CheckpointRef } from './checkpoint.ts';
import { parseInput, requireTerminal } from './guards.ts';

type ReconcileAnswer = {
  checkpoint: Checkpoint;
  differingBuckets: number[];
  manifest: ManifestEntry[];
};

const CatalogStreamEnum = builder.enumType('CatalogStream', {
  values: ['PRODUCTS', 'CATEGORIES'] as const,
});

const ManifestEntryRef = builder.objectRef<ManifestEntry>('ManifestEntry').implement({
  fields: (t) => ({ id: t.exposeString('id'), hash: t.exposeString('hash') }),
});

const ReconcileRef = builder.objectRef<ReconcileAnswer>('CatalogReconcile').implement({
  description: "One round of the bucket-digest reconcile of the branch's catalog view.",
  fields: (t) => ({
    checkpoint: t.field({ type: CheckpointRef, resolve: (r) => r.checkpoint }),
    differingBuckets: t.field({ type: ['Int'], resolve: (r) => r.differingBuckets }),
    manifest: t.field({ type: [ManifestEntryRef], resolve: (r) => r.manifest }),
  }),
});

const STREAMS: Record<'PRODUCTS' | 'CATEGORIES', CatalogStream> = {
  PRODUCTS: 'products',
  CATEGORIES: 'categories',
};

builder.queryFields((t) => ({
  reconcileCatalog: t.field({
    type: ReconcileRef,
    description:
      'Round 1: send every bucket digest, get the differing buckets. Round 2: send no digests and ' +
      'some `manifestBuckets`, get their id→hash entries (POS_CATALOG_MANIFEST_TOO_LARGE above the limit).',
    args: {
      stream: t.arg({ type: CatalogStreamEnum, required: true }),
      bucketCount: t.arg.int({ required: true }),
      digests: t.arg.stringList({ required: true }),
      manifestBuckets: t.arg.intList(),
    },
    resolve: async (_root, args, context) => {
      const scope = requireTerminal(context);
      const input = parseInput(reconcileArgsSchema, args);
      const stream = STREAMS[input.stream];
      const answer: ReconcileAnswer = {
        checkpoint: { seq: 0 },
        differingBuckets: [],
        manifest: [],
      };
      try {
        if (input.digests.length > 0) {
          const remote = await context.store.catalogDigests(
            scope.tenantId,
            scope.branchId,
            stream,
            input.bucketCount,
          );
          answer.checkpoint = remote.checkpoint;
          answer.differingBuckets = differingBuckets(input.digests, remote.digests);
        }
        if (input.manifestBuckets && input.manifestBuckets.length > 0) {
          const manifest = await context.store.catalogManifest(
            scope.tenantId,
            scope.branchId,
            stream,
            input.bucketCount,
            [...new Set(input.manifestBuckets)],
          );
          answer.checkpoint = manifest.checkpoint;
          answer.manifest = manifest.entries;
        }
      } catch (error) {
        if (isPosError(error) && error.code === 'POS_SYNC_STORAGE_FAILED') {
          throw new PosError(
            'POS_CATALOG_RECONCILE_FAILED',
            undefined,
            { stream },
            { cause: error },
          );
        }
        throw error;
      }
      return answer;
    },
  }),
}));

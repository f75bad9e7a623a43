import type { Collection } from 'mongodb';
import type { PruneReport } from '../cloud-store.ts';
import type { Collections } from './collections.ts';
import type { StreamKey, StreamSeq } from './stream-seq.ts';

type Tombstoned = Collection<{
  tenantId: string;
  seq: number;
  deleted: boolean;
  changedAt: string;
}>;

/**
 * Retention without a transaction: per stream, the floor is raised to the highest seq about to be
 * deleted *before* the delete, so a pull that could miss a deleted tombstone always meets the raised
 * floor (`StreamSeq.pull`), and the floor keeps seqs from being handed out twice once the
 * documents holding the largest ones are gone (`StreamSeq.head`).
 */
export async function pruneMongo(
  c: Collections,
  seq: StreamSeq,
  cutoff: Date,
): Promise<PruneReport> {
  const before = cutoff.toISOString();
  const report: PruneReport = { tombstones: 0, auditEntries: 0, floors: [] };
  const streams = [
    ['products', c.products, false],
    ['categories', c.categories, false],
    ['inventory', c.inventory, true],
  ] as const;
  for (const [stream, coll, perBranch] of streams) {
    const tombstones = coll as unknown as Tombstoned;
    const filter = { deleted: true, changedAt: { $lt: before } };
    const groups = await tombstones
      .aggregate<{ _id: { tenantId: string; scope: string }; floor: number }>([
        { $match: filter },
        {
          $group: {
            _id: { tenantId: '$tenantId', scope: perBranch ? '$branchId' : '' },
            floor: { $max: '$seq' },
          },
        },
      ])
      .toArray();
    for (const group of groups) {
      const key: StreamKey = { tenantId: group._id.tenantId, stream, scope: group._id.scope };
      await seq.raiseFloor(key, group.floor);
      report.floors.push({
        tenantId: key.tenantId,
        stream: key.scope === '' ? stream : `${stream}:${key.scope}`,
        seq: group.floor,
      });
      const { deletedCount } = await tombstones.deleteMany({
        ...filter,
        tenantId: key.tenantId,
        ...(perBranch ? { branchId: key.scope } : {}),
        seq: { $lte: group.floor },
      });
      report.tombstones += deletedCount;
    }
  }
  report.auditEntries = (await c.auditLog.deleteMany({ at: { $lt: before } })).deletedCount;
  return report;
}

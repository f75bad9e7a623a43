import type { ObjectRef } from '@pothos/core';
import type { Checkpoint } from '../../replication/index.ts';
import { builder } from './builder.ts';

/** `{ seq, snapshotFloor }`: where a terminal stands in one stream (see replication/checkpoint.ts). */
export const CheckpointRef = builder.objectRef<Checkpoint>('Checkpoint').implement({
  description:
    'Where a terminal stands in one stream. Store it as it is and send it back whole with the next pull.',
  fields: (t) => ({
    seq: t.expose('seq', {
      type: 'SafeInt',
      description: 'The server seq of the last change pulled; pull again after it.',
    }),
    snapshotFloor: t.field({
      type: 'SafeInt',
      nullable: true,
      description:
        'Set only while a snapshot is below the retention floor: the floor it started under. Its next ' +
        'page is served while no prune has raised the floor since; null once the snapshot passed it.',
      resolve: (checkpoint) => checkpoint.snapshotFloor ?? null,
    }),
  }),
});

export const CheckpointInput = builder.inputType('CheckpointInput', {
  description:
    'The checkpoint a pull answered, sent back whole; null or absent pulls from the start (a snapshot).',
  fields: (t) => ({
    seq: t.field({ type: 'SafeInt', required: true }),
    snapshotFloor: t.field({ type: 'SafeInt', required: false }),
  }),
});

/** A page of a stream in RxDB's shape, named after the stream: `{ documents, checkpoint }`. */
export function pullResultType<T extends object>(name: string, documentRef: ObjectRef<any, T>) {
  return builder.objectRef<{ documents: T[]; checkpoint: Checkpoint }>(name).implement({
    fields: (t) => ({
      documents: t.field({ type: [documentRef], resolve: (page) => page.documents }),
      checkpoint: t.field({ type: CheckpointRef, resolve: (page) => page.checkpoint }),
    }),
  });
}

import type { ObjectRef } from '@pothos/core';
import type { Checkpoint } from '../../replication/index.ts';
import { builder } from './builder.ts';

/** `{ seq }`: where a terminal stands in one stream (see replication/checkpoint.ts). */
export const CheckpointRef = builder.objectRef<Checkpoint>('Checkpoint').implement({
  description: 'The server seq of the last change pulled; pull again after it.',
  fields: (t) => ({ seq: t.expose('seq', { type: 'SafeInt' }) }),
});

export const CheckpointInput = builder.inputType('CheckpointInput', {
  description: 'The checkpoint a terminal pulls after; null or absent pulls from the start.',
  fields: (t) => ({ seq: t.field({ type: 'SafeInt', required: true }) }),
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

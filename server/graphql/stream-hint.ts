import type { StreamHintShape } from './sync-operations.ts';
import { builder } from './builder.ts';

/** The payload of every stream subscription: a hint, never documents (replication/stream-hint.ts). */
export const StreamHintRef = builder.objectRef<StreamHintShape>('StreamHint').implement({
  description:
    "The newest seq of the stream in the terminal's scope. A hint only: the terminal pulls from its " +
    'own checkpoint, so a lost or repeated hint is harmless.',
  fields: (t) => ({ latestSeq: t.expose('latestSeq', { type: 'SafeInt' }) }),
});

import type { RxGraphQLPullResponseModifier } from 'rxdb';
import { z } from 'zod';
import type { Checkpoint } from './checkpoint.ts';

/** The payload of every `streamX` subscription event: a hint that the stream has changes. */
export const streamHintSchema = z.object({
  /** Newest seq of the stream in the subscriber's scope when the hint was sent. */
  latestSeq: z.int().min(0),
});

/** The payload of a stream subscription event. */
export type StreamHint = z.infer<typeof streamHintSchema>;

/** What RxDB's pull stream accepts to mean "pull again from your own checkpoint". */
export const RESYNC = 'RESYNC' as const;

/**
 * The `pull.responseModifier` for RxDB's `replicateGraphQL`. Pull responses pass through; every stream
 * event becomes `RESYNC`, so RxDB pulls from its own checkpoint instead of trusting a checkpoint the
 * stream would carry (which could skip changes the terminal never pulled).
 */
export function createPullResponseModifier<RxDocType>(): RxGraphQLPullResponseModifier<
  RxDocType,
  Checkpoint
> {
  return (response, origin) => {
    if (origin === 'stream') {
      // RxDB's pull stream accepts 'RESYNC' where a documents-with-checkpoint object is typed.
      return RESYNC as never;
    }
    return response;
  };
}

export { canonicalJson, withoutLocalMeta } from './canonical-json.ts';
export { createCatalogConflictHandler, isSameDocument } from './catalog-conflict-handler.ts';
export type { Checkpoint } from './checkpoint.ts';
export {
  INITIAL_CHECKPOINT,
  checkpointSchema,
  isAfter,
  laterCheckpoint,
  wireCheckpoint,
} from './checkpoint.ts';
export { customerConflictHandler, mergeCustomer } from './customer-merge.ts';
export type { HlcState } from './hlc.ts';
export {
  HLC_COUNTER_MAX,
  HlcClock,
  compareHlc,
  formatHlc,
  hlcAheadMs,
  parseHlc,
  receiveHlc,
  tickHlc,
} from './hlc.ts';
export { HASH_HEX_LENGTH, contentHash, sha256Hex } from './content-hash.ts';
export {
  createInventoryConflictHandler,
  sha256HashFunction,
} from './inventory-conflict-handler.ts';
export type { PushStreamName, StreamName } from './operation-documents.ts';
export {
  CATALOG_BY_IDS_DOCUMENTS,
  CATALOG_STREAM_ENUM,
  CURRENT_TERMINAL_DOCUMENT,
  SALE_FOR_RETURN_DOCUMENT,
  OFFLINE_POLICY_DOCUMENT,
  DOCUMENT_SELECTIONS,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  PUSH_STREAMS,
  RECONCILE_CATALOG_DOCUMENT,
  STREAMS,
  STREAM_DOCUMENTS,
  TENANT_STREAMS,
  isTenantStream,
  pullOperationName,
  pushOperationName,
  streamOperationName,
} from './operation-documents.ts';
export {
  PROTOCOL_HASH,
  PROTOCOL_HISTORY,
  PROTOCOL_VERSION,
  computeProtocolHash,
} from './protocol-version.ts';
export type { PullQueryBuilderOptions } from './query-builders.ts';
export {
  createPullQueryBuilder,
  createPullStreamQueryBuilder,
  createPushQueryBuilder,
} from './query-builders.ts';
export type { ManifestEntry } from './reconcile-buckets.ts';
export {
  EMPTY_BUCKET_DIGEST,
  RECONCILE_BUCKET_COUNT,
  RECONCILE_MAX_BUCKET_COUNT,
  bucketOf,
  computeBucketDigests,
  differingBuckets,
  manifestOfBuckets,
} from './reconcile-buckets.ts';
export type { ReconcilePlan } from './reconcile-plan.ts';
export {
  MANIFEST_MAX_BUCKETS_PER_REQUEST,
  MANIFEST_MAX_ENTRIES,
  chunkBuckets,
  diffManifests,
} from './reconcile-plan.ts';
export type { Backoff, BackoffOptions, SaleRetryDecision } from './retry-policy.ts';
export {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_SERVER_ATTEMPTS,
  computeBackoffMs,
  createBackoff,
  classifySaleFailure,
  decideSaleRetry,
  isRetryable,
} from './retry-policy.ts';
export { isSameSale, saleConflictHandler } from './sale-conflict-handler.ts';
export type {
  LanePush,
  LaneRef,
  PushFailure,
  PushLane,
  PushSale,
  PushSuspect,
  SalesPushAction,
  SalesPushDecision,
  SalesPushEvent,
  SalesPushSettings,
  SalesPushState,
} from './sales-push-policy.ts';
export {
  LONE_FAILURES_BEFORE_PROBE,
  decideSalesPush,
  initialSalesPushState,
  mayPush,
} from './sales-push-policy.ts';
export { selectionSetOf } from './selection-set.ts';
export type { StreamHint } from './stream-hint.ts';
export { RESYNC, createPullResponseModifier, streamHintSchema } from './stream-hint.ts';
export type { PullArgs, ReconcileArgs } from './wire-inputs.ts';
export {
  PULL_LIMIT_MAX,
  PUSH_ROWS_MAX,
  pullArgsSchema,
  pushArgsSchema,
  pushRowSchema,
  reconcileArgsSchema,
  replicatedDocumentSchema,
} from './wire-inputs.ts';

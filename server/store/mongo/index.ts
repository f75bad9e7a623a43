export type {
  MongoCloudStoreOptions,
  ResolvedMongoCloudStoreOptions,
} from './mongo-cloud-store.ts';
export { MongoCloudStore, openMongoCloudStore } from './mongo-cloud-store.ts';
export type { StoreLogger } from './stream-seq.ts';

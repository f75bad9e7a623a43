import { PosError, isPosError } from '../../../schema/index.ts';

/** Runs a store operation; anything but a `PosError` becomes `POS_SYNC_STORAGE_FAILED`. */
export async function runStoreOperation<T>(operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isPosError(error)) throw error;
    throw new PosError('POS_SYNC_STORAGE_FAILED', undefined, {}, { cause: error });
  }
}

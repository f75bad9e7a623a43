import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCloudStoreContract } from '../cloud-store-contract.ts';
import type { CloudStore } from '../cloud-store.ts';
import { openSqliteCloudStore } from './sqlite-cloud-store.ts';

runCloudStoreContract('sqlite', async ({ now }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pos-store-'));
  let store: CloudStore = openSqliteCloudStore({ dataDir, now });
  return {
    store,
    async reopen() {
      await store.close();
      store = openSqliteCloudStore({ dataDir, now });
      return store;
    },
    async destroy() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

import { describe } from 'vitest';
import { describeAuditContract } from './contract/audit-contract.ts';
import { describeAccountsContract } from './contract/accounts-contract.ts';
import { describeConsoleQueriesContract } from './contract/console-queries-contract.ts';
import { describeCatalogContract } from './contract/catalog-contract.ts';
import { describeCheckpointInvariantContract } from './contract/checkpoint-invariant-contract.ts';
import { describeCustomersContract } from './contract/customers-contract.ts';
import { useContractContext } from './contract/contract-context.ts';
import type { CloudStoreFactory } from './contract/harness.ts';
import { describeInventoryContract } from './contract/inventory-contract.ts';
import { describeLifecycleContract } from './contract/lifecycle-contract.ts';
import { describeOfflinePolicyContract } from './contract/offline-policy-contract.ts';
import { describeReturnsContract } from './contract/returns-contract.ts';
import { describeSalesContract } from './contract/sales-contract.ts';
import { describeSalesSummaryContract } from './contract/sales-summary-contract.ts';
import { describeTenancyContract } from './contract/tenancy-contract.ts';

export type { CloudStoreFactory, ContractStore } from './contract/harness.ts';

/**
 * The behaviour every `CloudStore` adapter must show, as one vitest suite. Call it once per adapter from
 * a test file (`runCloudStoreContract('sqlite', factory)`); the factory opens a fresh, empty store on its
 * own data with the given clock and can reopen it on the same data.
 */
export function runCloudStoreContract(name: string, factory: CloudStoreFactory): void {
  describe(`CloudStore contract: ${name}`, () => {
    const ctx = useContractContext(factory);
    describeCatalogContract(ctx);
    describeSalesContract(ctx);
    describeReturnsContract(ctx);
    describeOfflinePolicyContract(ctx);
    describeTenancyContract(ctx);
    describeLifecycleContract(ctx);
    describeInventoryContract(ctx);
    describeCustomersContract(ctx);
    describeAccountsContract(ctx);
    describeCheckpointInvariantContract(ctx);
    describeAuditContract(ctx);
    describeConsoleQueriesContract(ctx);
    describeSalesSummaryContract(ctx);
  });
}

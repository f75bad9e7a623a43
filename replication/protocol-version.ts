import {
  categoryRxSchema,
  customerRxSchema,
  inventoryRxSchema,
  productRxSchema,
  saleRxSchema,
} from '../schema/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { sha256Hex } from './content-hash.ts';
import {
  CATALOG_BY_IDS_DOCUMENTS,
  CURRENT_TERMINAL_DOCUMENT,
  SALE_FOR_RETURN_DOCUMENT,
  OFFLINE_POLICY_DOCUMENT,
  PULL_DOCUMENTS,
  PUSH_DOCUMENTS,
  RECONCILE_CATALOG_DOCUMENT,
  STREAM_DOCUMENTS,
} from './operation-documents.ts';

/**
 * Every protocol version with the `computeProtocolHash()` it had. Append-only: a change to an operation
 * document or a replicated RxDB schema appends a new version with the new hash. Editing an existing
 * entry instead is visible in review, and `protocol-version.test.ts` fails until one of the two is done.
 */
export const PROTOCOL_HISTORY = [
  { version: 1, hash: '3b18eb3554f8005ee6de5c02b0deebfaa77d96b0d98a4350800af5d151d66b79' },
  // 2: pull checkpoints are `{ seq snapshotFloor }`, selected and sent back whole, so a snapshot paged
  // below the retention floor after a prune completes. Additive: a version-1 terminal (`{ seq }` only)
  // still pulls, but its snapshot of a catalog pruned below retained rows is refused at the floor.
  { version: 2, hash: '14ba8e24ada251907e0495b27a9718db174cd21e25ea7e396c2eb7747ea4af16' },
  // 3: `currentTerminal`, the terminal's own scope from its token (a terminal is configured with a URL
  // and a token only). Additive: the pull, push and stream documents are unchanged.
  { version: 3, hash: '9a7d0053dd99fc3313f24e8e1ad05fbb7612c38ff4da28cebb4bbd1d5935dcfc' },
  // 4: a sale an operator discarded comes back with `syncState: "discarded"` (sales RxDB schema
  // version 1) instead of staying `needs_attention`. Additive: an older terminal stores the state it is
  // sent and no longer counts the sale as needing attention.
  { version: 4, hash: '38ef4e84f3c69862080460ca5b9c4015b03f589cb6bf8eceec3e4fa648219249' },
  // 5: hardening. An inventory push answers a refused row with `refusal { code message }` instead of
  // failing the batch; admin tokens can be listed, revoked and expire; `repairInventory`. Additive: a
  // version-4 terminal does not select `refusal` and reads a refused row as a conflict equal to its own,
  // so it stops pushing it; tombstones carry the id only (same shape).
  { version: 5, hash: '930c394021ede49b1a60b1709381b79e2a8dac41f43752a08c46211d6f1fa71b' },
  // 6: sales schema version 2, the sale document of returns, settlements and account charges
  // (`kind`, `customerId`, `returnOf`, `reason`, `offline`, `lastContactAt`, `override`,
  // `accountCheck`, `accountVerification`; `originalLine`, `restock` on lines) and the `account`
  // payment method. Additive: the new input fields are optional, and the cloud reads a version-5
  // terminal's sale without them as a plain sale made online (`withSaleV2Defaults`), hashing it as
  // before, so a redelivery of a sale booked before the upgrade stays a duplicate.
  { version: 6, hash: '4f0e288a5fdc2c95c3f5767ff8169894210f7826fe2e11144f37c680ab14c4d7' },
  // 7: the tenant's `customers` stream (pull, push with per-row `refusal`, `streamCustomers`),
  // merged field by field by hybrid logical clocks, and `accountLedgerSeq` on sales (the ledger
  // position of a booking's account entry, a cloud field of sale schema v2). Additive: a version-6
  // terminal neither pulls nor pushes customers, does not select the new field, and syncs everything
  // else as before.
  { version: 7, hash: '3f3382a822ef190c75d33a982f9dc2a060b31a26f25045fb5b0be57ded19aa3d' },
  // 8: products RxDB schema version 1: the terminal stores `nameKey` (the search key of the name) and
  // indexes it, so the cashier page searches names across categories with one index range. The key is
  // derived by the terminal and left out of the reconcile hash. Additive: the operation documents and
  // the SDL are unchanged; a terminal of any version pulls and reconciles against the same branch view.
  { version: 8, hash: '936356b90a052dbb77f6d43b98bc80e82e880ca5f943638b88cea4af19fa35f8' },
] as const;

/** Version of the wire protocol between terminals and the cloud: the last entry of the history. */
export const PROTOCOL_VERSION: number = PROTOCOL_HISTORY[PROTOCOL_HISTORY.length - 1]!.version;

/** The recorded hash of `PROTOCOL_VERSION`. */
export const PROTOCOL_HASH: string = PROTOCOL_HISTORY[PROTOCOL_HISTORY.length - 1]!.hash;

/** SHA-256 over the operation documents and the RxDB JSON schemas of the replicated collections. */
export function computeProtocolHash(): string {
  return sha256Hex(
    canonicalJson({
      documents: {
        pull: PULL_DOCUMENTS,
        push: PUSH_DOCUMENTS,
        stream: STREAM_DOCUMENTS,
        reconcile: RECONCILE_CATALOG_DOCUMENT,
        byIds: CATALOG_BY_IDS_DOCUMENTS,
        currentTerminal: CURRENT_TERMINAL_DOCUMENT,
        saleForReturn: SALE_FOR_RETURN_DOCUMENT,
        offlinePolicy: OFFLINE_POLICY_DOCUMENT,
      },
      rxSchemas: {
        products: productRxSchema,
        categories: categoryRxSchema,
        inventory: inventoryRxSchema,
        sales: saleRxSchema,
        customers: customerRxSchema,
      },
    }),
  );
}

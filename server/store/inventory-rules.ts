import type { CRDTDocumentField, CRDTOperation, RxConflictHandler, WithDeleted } from 'rxdb';
import { deepEqual } from 'rxdb/plugins/utils';
import { mergeCRDTFields } from 'rxdb/plugins/crdt';
import { z } from 'zod';
import { sha256HashFunction, withoutLocalMeta } from '../../replication/index.ts';
import type { InventoryItem } from '../../schema/index.ts';
import {
  createInventoryItem,
  inventoryCrdtsSchema,
  inventoryItemId,
  inventoryItemSchema,
  inventoryItemWireSchema,
} from '../../schema/index.ts';
import type { Checkpoint } from '../../replication/index.ts';
import type {
  InventoryPullResult,
  InventoryPushRow,
  InventoryRefusal,
  TerminalScope,
} from './cloud-store.ts';

/**
 * The rules both adapters apply to inventory documents, so both admit, merge, serve and repair alike.
 * A terminal's operations are replayed by the crdt plugin on the server, so they are checked one by one
 * before any merge, and the merged document is checked again before it is stored.
 */

type Doc = WithDeleted<InventoryItem>;
type Crdts = CRDTDocumentField<InventoryItem>;
type Operation = CRDTOperation<InventoryItem>;

/**
 * Operations one push may add to one row (operations the stored log does not hold yet). A terminal
 * writes one per stock change of the product, so this is far above a long offline day's worth.
 */
export const MAX_NEW_INVENTORY_OPERATIONS = 1_000;

/**
 * Operations (and log rows) one inventory row may hold. Every push onto the row replays the whole log,
 * so this bounds that work and the document's size (about 100 bytes an operation): years of a busy
 * product's adjustments fit.
 */
export const MAX_INVENTORY_OPERATIONS = 20_000;

/** Parts of one operation body: a terminal writes one per operation. */
export const MAX_OPERATION_PARTS = 8;

/** The row a document must stay in: its id, branch and product never change. */
type Pin = { id: string; branchId: string; productId: string };

const storedInventorySchema = inventoryItemWireSchema.extend({ _deleted: z.boolean() });

const field = inventoryItemSchema.shape;

/** What an operation may `$set`: scope fields only to their pinned values (checked apart). */
const settableSchema = z
  .object({
    id: z.string(),
    branchId: z.string(),
    productId: z.string(),
    onHand: field.onHand,
    lastCountedAt: field.lastCountedAt,
    lastReason: field.lastReason,
    _deleted: z.boolean(),
  })
  .partial()
  .strict();

/**
 * One part of an operation body as the terminal writes it (`createInventoryItem`, `adjustInventory`,
 * `countInventory`): `ifMatch` only, since `selector` would run a terminal's query on the server.
 */
const operationPartSchema = z
  .object({
    ifMatch: z
      .object({
        $set: settableSchema.optional(),
        $inc: z.object({ onHand: field.onHand }).partial().strict().optional(),
      })
      .strict()
      .refine((m) => !(m.$set?.onHand !== undefined && m.$inc?.onHand !== undefined), {
        message: 'onHand may not be both set and incremented by one operation',
      }),
  })
  .strict();

type Refusal = Omit<InventoryRefusal, 'document'>;

function issuesOf(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`)
    .join('; ');
}

/** The first operation of the log a terminal may not write, as a refusal; `null` when all are fine. */
export function checkInventoryOperations(doc: Doc, pin: Pin): Refusal | null {
  const operations = doc.crdts?.operations ?? [];
  const count = operationCount(doc.crdts);
  if (count > MAX_INVENTORY_OPERATIONS || operations.length > MAX_INVENTORY_OPERATIONS) {
    return {
      id: pin.id,
      code: 'POS_INVENTORY_OPERATIONS_LIMIT',
      message: `the log holds ${count} operations in ${operations.length} rows; at most ${MAX_INVENTORY_OPERATIONS} are kept per inventory row`,
    };
  }
  for (const [row, ops] of operations.entries()) {
    for (const op of ops) {
      if (op.body.length > MAX_OPERATION_PARTS) {
        return {
          id: pin.id,
          code: 'POS_SYNC_EVENT_INVALID',
          message: `operation in row ${row} by ${op.creator} has more than ${MAX_OPERATION_PARTS} parts`,
        };
      }
      for (const part of op.body) {
        const parsed = operationPartSchema.safeParse(part);
        if (!parsed.success) {
          return {
            id: pin.id,
            code: 'POS_SYNC_EVENT_INVALID',
            message: `operation in row ${row} by ${op.creator}: ${issuesOf(parsed.error)}`,
          };
        }
        const set = parsed.data.ifMatch.$set ?? {};
        for (const key of ['id', 'branchId', 'productId'] as const) {
          if (set[key] !== undefined && set[key] !== pin[key]) {
            return {
              id: pin.id,
              code: 'POS_FORBIDDEN',
              message: `operation in row ${row} by ${op.creator} sets ${key} outside the row's scope`,
            };
          }
        }
      }
    }
  }
  return null;
}

function operationCount(crdts: Crdts | undefined): number {
  let count = 0;
  for (const ops of crdts?.operations ?? []) count += ops.length;
  return count;
}

/**
 * The operations of `pushed` the stored log does not hold as they are (same row, same creator, same
 * operation): the ones a merge would add or, for a creator's row, replace.
 */
export function newOperations(master: Crdts | undefined, pushed: Crdts): Operation[] {
  const fresh: Operation[] = [];
  for (const [row, ops] of pushed.operations.entries()) {
    const stored = new Map((master?.operations[row] ?? []).map((op) => [op.creator, op]));
    for (const op of ops) {
      const same = stored.get(op.creator);
      if (same === undefined || !sameOperation(same, op)) fresh.push(op);
    }
  }
  return fresh;
}

function sameOperation(a: Operation, b: Operation): boolean {
  if (a.creator !== b.creator || a.time !== b.time) return false;
  // Relayed operations keep their JSON as written: the cheap comparison decides almost always.
  return JSON.stringify(a.body) === JSON.stringify(b.body) || deepEqual(a.body, b.body);
}

/** Why a document may not be stored or served in its row, or `null` when it may. */
export function inventoryDocumentProblem(
  doc: unknown,
  pin: Pin,
  operationsChecked = false,
): string | null {
  if (!isOwnRow(pin)) return `the row's id ${pin.id} is not of its branch ${pin.branchId}`;
  const parsed = storedInventorySchema.safeParse(doc);
  if (!parsed.success) return issuesOf(parsed.error);
  for (const key of ['id', 'branchId', 'productId'] as const) {
    if (parsed.data[key] !== pin[key]) return `${key} is not the row's ${pin[key]}`;
  }
  if (operationsChecked) return null;
  return checkInventoryOperations(parsed.data as Doc, pin)?.message ?? null;
}

function isOwnRow(pin: Pin): boolean {
  return pin.id === inventoryItemId(pin.branchId, pin.productId);
}

/** The pin of a stored row, read from its id (`branchId:productId`, the branch known from the row). */
export function pinOfStoredRow(id: string, branchId: string): Pin {
  return { id, branchId, productId: id.slice(branchId.length + 1) };
}

/** A pushed row admitted for merging, or the refusal to answer for it. */
export type AdmittedInventoryRow =
  { ok: true; pushed: Doc; doc: Doc; pin: Pin } | { ok: false; refusal: InventoryRefusal };

/**
 * Checks one pushed row against the terminal's scope and the operation rules, and rebuilds the document
 * from its own operations (with its hash recomputed), so the fields stored always follow from the log.
 */
export async function admitInventoryRow(
  handler: RxConflictHandler<InventoryItem>,
  scope: TerminalScope,
  row: InventoryPushRow,
): Promise<AdmittedInventoryRow> {
  const received = withoutLocalMeta(row?.newDocumentState ?? ({} as Doc));
  const refuse = (refusal: Refusal): AdmittedInventoryRow => ({
    ok: false,
    refusal: { ...refusal, document: received },
  });
  const parsed = storedInventorySchema.safeParse(received);
  if (!parsed.success) {
    return refuse({
      id: String(received?.id),
      code: 'POS_SYNC_EVENT_INVALID',
      message: issuesOf(parsed.error),
    });
  }
  const pushed = parsed.data as Doc;
  const pin = { id: pushed.id, branchId: scope.branchId, productId: pushed.productId };
  if (pushed.branchId !== scope.branchId) {
    return refuse({ id: pin.id, code: 'POS_FORBIDDEN', message: 'inventory of another branch' });
  }
  if (pushed.id !== inventoryItemId(scope.branchId, pushed.productId)) {
    return refuse({ id: pin.id, code: 'POS_FORBIDDEN', message: 'id must be branchId:productId' });
  }
  const opRefusal = checkInventoryOperations(pushed, pin);
  if (opRefusal) return refuse(opRefusal);
  const doc = await rebuild(handler, pushed);
  // Its operations were just checked: only the document they make is left to check.
  const problem = inventoryDocumentProblem(doc, pin, true);
  if (problem) return refuse({ id: pin.id, code: 'POS_SYNC_EVENT_INVALID', message: problem });
  return { ok: true, pushed, doc, pin };
}

async function rebuild(handler: RxConflictHandler<InventoryItem>, doc: Doc): Promise<Doc> {
  const empty = { crdts: { operations: [], hash: '' } } as unknown as Doc;
  return merge(handler, empty, doc);
}

async function merge(
  handler: RxConflictHandler<InventoryItem>,
  master: Doc,
  doc: Doc,
): Promise<Doc> {
  const merged = withoutLocalMeta(
    await handler.resolve({ newDocumentState: doc, realMasterState: master }, 'server-push'),
  ) as Doc;
  return { ...merged, _deleted: merged._deleted ?? false };
}

/** The terminal each known operation creator belongs to in a tenant (creator → terminalId). */
export type CreatorOwners = ReadonlyMap<string, string>;

/** The distinct creators of a log's operations. */
export function creatorsOf(doc: Doc): string[] {
  const creators = new Set<string>();
  for (const ops of doc.crdts?.operations ?? []) for (const op of ops) creators.add(op.creator);
  return [...creators];
}

/**
 * Merges an admitted row into its master (none for a new row): the union of both logs, replayed.
 *
 * The merge keeps one operation per creator and log row, so whoever writes under a creator can
 * overwrite that creator's operations: a creator belongs to the first terminal that writes new
 * operations under it (`owners`, kept per tenant by the adapter in the same write, `claims` answers
 * the ones to record). A terminal still relays other creators' operations as the master holds them.
 *
 * Refused when the row writes new operations under another terminal's creator (or the server's
 * repair creator), adds more than `MAX_NEW_INVENTORY_OPERATIONS` operations, or when the result may
 * not be stored (a master written before these checks, a counter beyond its range, a log too long).
 */
export async function mergeInventoryRow(
  handler: RxConflictHandler<InventoryItem>,
  master: Doc | undefined,
  admitted: Extract<AdmittedInventoryRow, { ok: true }>,
  terminalId: string,
  owners: CreatorOwners,
): Promise<{ ok: true; merged: Doc; claims: string[] } | { ok: false; refusal: InventoryRefusal }> {
  const { pin, pushed } = admitted;
  const refuse = (code: InventoryRefusal['code'], message: string) => ({
    ok: false as const,
    refusal: { id: pin.id, code, message, document: pushed },
  });
  const added = newOperations(master?.crdts, admitted.doc.crdts!);
  if (added.length > MAX_NEW_INVENTORY_OPERATIONS) {
    return refuse(
      'POS_INVENTORY_OPERATIONS_LIMIT',
      `the push adds ${added.length} operations to the row; at most ${MAX_NEW_INVENTORY_OPERATIONS} per push`,
    );
  }
  const claims = new Set<string>();
  for (const op of added) {
    const owner = owners.get(op.creator);
    if (op.creator === REPAIR_CREATOR || (owner !== undefined && owner !== terminalId)) {
      return refuse(
        'POS_FORBIDDEN',
        `operations by creator ${op.creator} belong to another terminal; only the master's may be relayed`,
      );
    }
    if (owner === undefined) claims.add(op.creator);
  }
  if (master === undefined) return { ok: true, merged: admitted.doc, claims: [...claims] };
  const merged = await merge(handler, master, admitted.doc);
  const problem = inventoryDocumentProblem(merged, pin);
  if (problem) {
    return refuse(
      'POS_SYNC_EVENT_INVALID',
      `the merge with the stored row is invalid (repairInventory repairs it): ${problem}`,
    );
  }
  return { ok: true, merged, claims: [...claims] };
}

/** The creator of the operations an admin repair writes. */
export const REPAIR_CREATOR = 'server-repair';

/**
 * The repaired form of a stored row: its valid operations replayed; when even those do not make a valid
 * document (a counter beyond the safe integers), a fresh row at 0 whose log starts again. A row whose id
 * is not of its branch cannot be repaired in place (`foreign`, `doc` null): it stays left out of pulls.
 */
export async function repairInventoryDocument(
  handler: RxConflictHandler<InventoryItem>,
  stored: unknown,
  pin: Pin,
  time: number,
): Promise<{ doc: Doc; action: 'replayed' | 'reset' } | { doc: null; action: 'foreign' }> {
  if (!isOwnRow(pin)) return { doc: null, action: 'foreign' };
  const crdts = (stored as { crdts?: { operations?: unknown } } | null)?.crdts;
  const rows = Array.isArray(crdts?.operations) ? (crdts.operations as unknown[]) : [];
  const kept = rows.map((row) =>
    (Array.isArray(row) ? row : []).filter((op) => {
      const candidate = { crdts: { operations: [[op]], hash: '' } } as unknown as Doc;
      return (
        inventoryCrdtsSchema.shape.operations.element.element.safeParse(op).success &&
        checkInventoryOperations(candidate, pin) === null
      );
    }),
  );
  // Rows keep their positions: logs are merged row by row, so a shifted row would merge wrongly.
  if (kept.some((row) => row.length > 0)) {
    const replayed = await rebuild(handler, {
      crdts: { operations: kept, hash: '' },
    } as unknown as Doc);
    if (inventoryDocumentProblem(replayed, pin) === null) {
      return { doc: replayed, action: 'replayed' };
    }
  }
  const fresh = await rebuild(handler, {
    crdts: {
      operations: [
        [
          {
            body: [{ ifMatch: { $set: createInventoryItem(pin.branchId, pin.productId) } }],
            creator: REPAIR_CREATOR,
            time,
          },
        ],
      ],
      hash: '',
    },
  } as unknown as Doc);
  return { doc: fresh, action: 'reset' };
}

/** Extra reads a page may take to make up for skipped rows, once it has a document to answer. */
const REFILL_READS = 50;

/**
 * A pull page with invalid rows left out, refilled past them: RxDB's downstream takes an empty page
 * for the end (without saving its checkpoint) and a short one for the last, so a stretch of skipped
 * rows would otherwise stop a terminal's pulls or leave it short until the next wake-up.
 */
export async function pullPastInvalidRows(
  pullOnce: (checkpoint: Checkpoint | null, limit: number) => Promise<InventoryPullResult>,
  checkpoint: Checkpoint | null,
  limit: number,
): Promise<InventoryPullResult> {
  let page = await pullOnce(checkpoint, limit);
  let read = page.documents.length + page.skipped.length;
  let full = read >= limit;
  for (let reads = 0; full && page.documents.length < limit; reads++) {
    if (page.documents.length > 0 && reads >= REFILL_READS) break;
    const want = limit - page.documents.length;
    const next = await pullOnce(page.checkpoint, want);
    read = next.documents.length + next.skipped.length;
    full = read >= want;
    page = {
      documents: [...page.documents, ...next.documents],
      skipped: [...page.skipped, ...next.skipped],
      checkpoint: next.checkpoint,
    };
  }
  return page;
}

/**
 * The conflict handler both adapters merge with: the crdt plugin's merge (union of both logs, row by
 * row, one operation per creator and row), replayed by `replayInventory`. The plugin's own handler
 * replays with the log already inside the document, so each operation's update clones the whole log:
 * quadratic in its length, which let one push of a long log stall the server.
 */
export function inventoryHandler(): RxConflictHandler<InventoryItem> {
  return {
    isEqual: (a, b) => a.crdts?.hash === b.crdts?.hash,
    async resolve({ newDocumentState, realMasterState }) {
      const merged = await mergeCRDTFields(
        sha256HashFunction,
        newDocumentState.crdts ?? { operations: [], hash: '' },
        realMasterState.crdts ?? { operations: [], hash: '' },
      );
      return replayInventory(merged);
    },
  };
}

/**
 * The document a log makes, as the crdt plugin's `rebuildFromCRDT` makes it for the operations the
 * checks admit (`ifMatch` with `$set` and `$inc`), in time linear in the log: the log is attached
 * after the replay instead of being copied by every step. Parts with a `selector` or `ifNotMatch` are
 * skipped: the checks refuse a log holding one, so such a result is never stored.
 */
export function replayInventory(crdts: Crdts): Doc {
  const doc: Record<string, unknown> = { _deleted: false };
  for (const ops of crdts.operations) {
    for (const op of ops) {
      for (const part of op.body) {
        if (part.selector !== undefined || !part.ifMatch) continue;
        const { $set, $inc } = part.ifMatch as {
          $set?: Record<string, unknown>;
          $inc?: Record<string, number>;
        };
        for (const [key, value] of Object.entries($set ?? {})) doc[key] = structuredClone(value);
        for (const [key, by] of Object.entries($inc ?? {})) {
          doc[key] = typeof doc[key] === 'number' ? doc[key] + by : by;
        }
      }
    }
  }
  doc.crdts = crdts;
  return doc as unknown as Doc;
}

import type { RxConflictHandler, WithDeleted } from 'rxdb';
import { z } from 'zod';
import { createInventoryConflictHandler, withoutLocalMeta } from '../../replication/index.ts';
import type { InventoryItem } from '../../schema/index.ts';
import {
  createInventoryItem,
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
        $inc: z.object({ onHand: z.int() }).partial().strict().optional(),
      })
      .strict(),
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
  for (const [row, ops] of operations.entries()) {
    for (const op of ops) {
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

/** Why a document may not be stored or served in its row, or `null` when it may. */
export function inventoryDocumentProblem(doc: unknown, pin: Pin): string | null {
  if (!isOwnRow(pin)) return `the row's id ${pin.id} is not of its branch ${pin.branchId}`;
  const parsed = storedInventorySchema.safeParse(doc);
  if (!parsed.success) return issuesOf(parsed.error);
  for (const key of ['id', 'branchId', 'productId'] as const) {
    if (parsed.data[key] !== pin[key]) return `${key} is not the row's ${pin[key]}`;
  }
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
  const problem = inventoryDocumentProblem(doc, pin);
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

/**
 * Merges an admitted row into its master: the union of both logs, replayed. Refused when the result may
 * not be stored (a master written before these checks, or a counter beyond the safe integers).
 */
export async function mergeInventoryRow(
  handler: RxConflictHandler<InventoryItem>,
  master: Doc,
  admitted: Extract<AdmittedInventoryRow, { ok: true }>,
): Promise<{ ok: true; merged: Doc } | { ok: false; refusal: InventoryRefusal }> {
  const merged = await merge(handler, master, admitted.doc);
  const problem = inventoryDocumentProblem(merged, admitted.pin);
  if (problem) {
    return {
      ok: false,
      refusal: {
        id: admitted.pin.id,
        code: 'POS_SYNC_EVENT_INVALID',
        message: `the merge with the stored row is invalid (repairInventory repairs it): ${problem}`,
        document: admitted.pushed,
      },
    };
  }
  return { ok: true, merged };
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
        z
          .object({ body: z.array(z.unknown()).min(1), creator: z.string(), time: z.number() })
          .safeParse(op).success && checkInventoryOperations(candidate, pin) === null
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

/** The conflict handler both adapters merge with. */
export function inventoryHandler(): RxConflictHandler<InventoryItem> {
  return createInventoryConflictHandler();
}

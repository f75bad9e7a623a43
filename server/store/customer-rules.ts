import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import type { HlcClock } from '../../replication/index.ts';
import {
  canonicalJson,
  hlcAheadMs,
  mergeCustomer,
  withoutLocalMeta,
} from '../../replication/index.ts';
import type { Customer, CustomerUpsert } from '../../schema/index.ts';
import {
  CUSTOMER_CLOUD_FIELDS,
  CUSTOMER_EDITABLE_FIELDS,
  PosError,
  createUuidV7,
  customerSchema,
  customerUpsertSchema,
  newCustomerDocument,
  normalizeEmail,
  normalizePhone,
  patchCustomerDocument,
} from '../../schema/index.ts';
import type {
  CustomerPushResult,
  CustomerPushRow,
  CustomerRefusal,
  TerminalScope,
} from './cloud-store.ts';

/**
 * The rules both adapters apply to customer documents, so both admit, merge and store alike
 * (docs/design.md#customers). The merge itself is `mergeCustomer`, the function the terminal's conflict
 * handler runs too.
 */

type Doc = WithDeleted<Customer>;

/** How far a pushed clock's wall part may lie ahead of the store's clock, by default: 15 minutes. */
export const DEFAULT_CUSTOMER_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Attempts of the optimistic merge before giving up (each one loses only to a concurrent write). */
const MERGE_ATTEMPTS = 20;

const storedCustomerSchema = customerSchema.extend({ _deleted: z.literal(false) });

/** A stored master: the document and the seq it was written under. */
export type StoredCustomer = { seq: number; doc: Doc };

/** One write of the optimistic loop: only over `expectedSeq` (`null`: the id must be new). */
export type CustomerWrite = { doc: Doc; expectedSeq: number | null };

/** The storage primitives a customers store offers the shared rules. */
export type CustomerWriter = {
  read(tenantId: string, ids: string[]): Promise<Map<string, StoredCustomer>>;
  /** The ids of the customers merged into `id`. */
  mergedInto(tenantId: string, id: string): Promise<string[]>;
  /** The sum of the ledger entries of these accounts and the ledger position it covers. */
  balance(
    tenantId: string,
    customerIds: string[],
  ): Promise<{ balanceMinor: number; ledgerSeq: number }>;
  /** Writes what still holds its expected seq under new seqs; answers the ids that did not. */
  write(
    tenantId: string,
    writes: CustomerWrite[],
    audit?: CustomerAudit,
  ): Promise<{ stale: string[] }>;
};

/** The audit entry a write carries (in its transaction on SQLite, right after it on MongoDB). */
export type CustomerAudit = {
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
};

function issuesOf(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`)
    .join('; ');
}

/** Why a document may not be stored or served, or `null` when it may. */
export function customerDocumentProblem(doc: unknown): string | null {
  const parsed = storedCustomerSchema.safeParse(doc);
  return parsed.success ? null : issuesOf(parsed.error);
}

/** The normalised phone and email of a document, the keys of duplicate detection. */
export function customerKeys(doc: Customer): { phoneKey: string | null; emailKey: string | null } {
  return {
    phoneKey: doc.phone === null ? null : normalizePhone(doc.phone),
    emailKey: doc.email === null ? null : normalizeEmail(doc.email),
  };
}

function cloudFieldsOf(doc: unknown): string {
  const fields = (doc ?? {}) as Record<string, unknown>;
  return canonicalJson(CUSTOMER_CLOUD_FIELDS.map((field) => fields[field] ?? null));
}

const NEW_CUSTOMER_CLOUD_FIELDS = canonicalJson([null, 0, 0]);

/** A pushed row admitted for merging, or the refusal to answer for it. */
export type AdmittedCustomerRow =
  { ok: true; pushed: Doc; assumedCloud: string } | { ok: false; refusal: CustomerRefusal };

/**
 * Checks one pushed row on its own: a valid document (`POS_SYNC_EVENT_INVALID` with the issues),
 * never deleted, of the caller's tenant (`POS_FORBIDDEN`), every clock at most `maxAheadMs` ahead of
 * `nowMs` (`POS_SYNC_EVENT_INVALID`: a clock far in the future would win every later edit).
 */
export function admitCustomerRow(
  scope: TerminalScope,
  row: CustomerPushRow,
  nowMs: number,
  maxAheadMs: number,
): AdmittedCustomerRow {
  const received = withoutLocalMeta(
    (row?.newDocumentState ?? {}) as Record<string, unknown>,
  ) as Record<string, unknown>;
  const id = String(received['id']);
  const refuse = (code: CustomerRefusal['code'], message: string): AdmittedCustomerRow => ({
    ok: false,
    refusal: { id, code, message, document: received },
  });
  if (received['tenantId'] !== undefined && received['tenantId'] !== scope.tenantId) {
    return refuse('POS_FORBIDDEN', 'a customer of another tenant');
  }
  if (received['_deleted'] === true) {
    return refuse('POS_FORBIDDEN', 'customers are merged by an operator, never deleted');
  }
  const parsed = storedCustomerSchema.safeParse(received);
  if (!parsed.success) return refuse('POS_SYNC_EVENT_INVALID', issuesOf(parsed.error));
  const pushed = parsed.data as Doc;
  for (const field of CUSTOMER_EDITABLE_FIELDS) {
    const ahead = hlcAheadMs(pushed.clocks[field], nowMs);
    if (ahead > maxAheadMs) {
      return refuse(
        'POS_SYNC_EVENT_INVALID',
        `the clock of ${field} lies ${ahead} ms ahead of the cloud's; at most ${maxAheadMs} ms are accepted (check the till's clock)`,
      );
    }
  }
  const assumed = row.assumedMasterState;
  return {
    ok: true,
    pushed,
    assumedCloud: assumed ? cloudFieldsOf(assumed) : NEW_CUSTOMER_CLOUD_FIELDS,
  };
}

/**
 * What an admitted row does to its master: the write (`null` when the master already holds it) and the
 * answer (`null` when the result is what was pushed). The cloud's fields of the row must be those of
 * the master it was edited on (its assumed master, or the current one): a row that changes them is
 * refused (`POS_FORBIDDEN`), and the merge takes the master's anyway.
 */
export function planCustomerRow(
  master: Doc | undefined,
  admitted: Extract<AdmittedCustomerRow, { ok: true }>,
): { ok: true; write: Doc | null; answer: Doc | null } | { ok: false; refusal: CustomerRefusal } {
  const { pushed } = admitted;
  const cloud = cloudFieldsOf(pushed);
  if (
    cloud !== admitted.assumedCloud &&
    (master === undefined || cloud !== cloudFieldsOf(master))
  ) {
    return {
      ok: false,
      refusal: {
        id: pushed.id,
        code: 'POS_FORBIDDEN',
        message: `the row writes fields only the cloud writes (${CUSTOMER_CLOUD_FIELDS.join(', ')})`,
        document: pushed,
      },
    };
  }
  if (master === undefined) {
    const fresh = { ...pushed, mergedInto: null, balanceMinor: 0, ledgerSeq: 0 };
    return { ok: true, write: fresh, answer: sameCustomer(fresh, pushed) ? null : fresh };
  }
  const merged = mergeCustomer(master, pushed);
  const problem = customerDocumentProblem(merged);
  if (problem) {
    return {
      ok: false,
      refusal: {
        id: pushed.id,
        code: 'POS_SYNC_EVENT_INVALID',
        message: `the merge with the stored customer is invalid: ${problem}`,
        document: pushed,
      },
    };
  }
  return {
    ok: true,
    write: sameCustomer(merged, master) ? null : merged,
    answer: sameCustomer(merged, pushed) ? null : merged,
  };
}

/** Whether two documents have the same content. */
export function sameCustomer(a: Doc, b: Doc): boolean {
  return canonicalJson(withoutLocalMeta(a)) === canonicalJson(withoutLocalMeta(b));
}

/**
 * A terminal's push: each row admitted on its own, then merged against the masters read and written
 * only over the seqs they were read at, again for the rows a concurrent write got to first.
 */
export async function pushCustomerRows(
  writer: CustomerWriter,
  scope: TerminalScope,
  rows: CustomerPushRow[],
  nowMs: number,
  maxAheadMs: number,
): Promise<CustomerPushResult> {
  const refused: CustomerRefusal[] = [];
  const pending: Extract<AdmittedCustomerRow, { ok: true }>[] = [];
  for (const row of rows) {
    const admitted = admitCustomerRow(scope, row, nowMs, maxAheadMs);
    if (admitted.ok) pending.push(admitted);
    else refused.push(admitted.refusal);
  }
  for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
    const masters = await writer.read(
      scope.tenantId,
      pending.map((a) => a.pushed.id),
    );
    const current = new Map([...masters].map(([id, m]) => [id, m.doc]));
    const writes = new Map<string, CustomerWrite>();
    const answers: Doc[] = [];
    const planRefused: CustomerRefusal[] = [];
    for (const row of pending) {
      const id = row.pushed.id;
      const planned = planCustomerRow(current.get(id), row);
      if (!planned.ok) {
        planRefused.push(planned.refusal);
        continue;
      }
      if (planned.write) {
        current.set(id, planned.write);
        writes.set(id, { doc: planned.write, expectedSeq: masters.get(id)?.seq ?? null });
      }
      if (planned.answer) answers.push(planned.answer);
    }
    // A stale master: plan every row again (what was written meanwhile merges to the same result).
    const { stale } = await writer.write(scope.tenantId, [...writes.values()]);
    if (stale.length === 0) {
      const answered = new Map(answers.map((doc) => [doc.id, doc]));
      return { conflicts: [...answered.values()], refused: [...refused, ...planRefused] };
    }
  }
  throw new PosError('POS_SYNC_STORAGE_FAILED', 'customer push kept conflicting; retry');
}

/**
 * An admin's upsert: each given field stamped with a clock of the cloud's later than every clock the
 * stored document holds, so the admin's edit wins; a new customer gets a UUIDv7 unless it names its id.
 */
export async function upsertCustomerRows(
  writer: CustomerWriter,
  clock: HlcClock,
  tenantId: string,
  inputs: CustomerUpsert[],
  actor: string,
): Promise<Customer[]> {
  const parsed = inputs.map((input, index) => {
    const result = customerUpsertSchema.safeParse(input);
    if (!result.success) {
      throw new PosError('POS_INPUT_INVALID', `customer ${index}: ${issuesOf(result.error)}`, {
        issues: result.error.issues,
      });
    }
    return { ...result.data, id: result.data.id ?? createUuidV7() };
  });
  if (new Set(parsed.map((p) => p.id)).size !== parsed.length) {
    throw new PosError('POS_INPUT_INVALID', 'a customer id appears twice in one upsert');
  }
  for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
    const masters = await writer.read(
      tenantId,
      parsed.map((p) => p.id),
    );
    const writes: CustomerWrite[] = parsed.map(({ id, ...fields }) => {
      const master = masters.get(id);
      if (master === undefined && fields.name === undefined) {
        throw new PosError('POS_INPUT_INVALID', `customer ${id} is new and needs a name`);
      }
      for (const at of Object.values(master?.doc.clocks ?? {})) clock.receive(at);
      const stamp = clock.tick();
      const doc = master
        ? patchCustomerDocument(master.doc, fields, stamp)
        : newCustomerDocument(id, tenantId, { ...fields, name: fields.name! }, stamp);
      const problem = customerDocumentProblem({ ...doc, _deleted: false });
      if (problem) throw new PosError('POS_INPUT_INVALID', `customer ${id}: ${problem}`);
      return { doc: { ...doc, _deleted: false }, expectedSeq: master?.seq ?? null };
    });
    const audit = {
      actor,
      action: 'upsertCustomers',
      target: null,
      details: { ids: parsed.map((p) => p.id) },
    };
    const { stale } = await writer.write(tenantId, writes, audit);
    if (stale.length === 0) return writes.map((w) => withoutDeleted(w.doc));
  }
  throw new PosError('POS_SYNC_STORAGE_FAILED', 'customer upsert kept conflicting; retry');
}

/**
 * An operator's merge of a duplicate into the customer that stays. The ledger is not touched: the
 * merged account's entries stay under its id and count toward the survivor, whose balance is summed
 * again over both accounts (and those merged into the merged one before, now pointed at the survivor,
 * so every group has one root).
 */
export async function mergeCustomerRows(
  writer: CustomerWriter,
  tenantId: string,
  survivorId: string,
  mergedId: string,
  note: string,
  actor: string,
): Promise<{ survivor: Customer; merged: Customer }> {
  if (survivorId === mergedId) {
    throw new PosError('POS_INPUT_INVALID', 'a customer cannot be merged into itself');
  }
  for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
    const followers = await writer.mergedInto(tenantId, mergedId);
    const masters = await writer.read(tenantId, [survivorId, mergedId, ...followers]);
    const survivor = masters.get(survivorId);
    const merged = masters.get(mergedId);
    if (!survivor) throw new PosError('POS_NOT_FOUND', `customer ${survivorId} not found`);
    if (!merged) throw new PosError('POS_NOT_FOUND', `customer ${mergedId} not found`);
    // The same merge again (a retry after a lost answer, or a crash between MongoDB's writes) only
    // sums the survivor's balance again.
    const repeated = merged.doc.mergedInto === survivorId;
    for (const { doc } of repeated ? [survivor] : [survivor, merged]) {
      if (doc.mergedInto !== null) {
        throw new PosError(
          'POS_INPUT_INVALID',
          `customer ${doc.id} is merged into ${doc.mergedInto} already`,
        );
      }
    }
    const [a, b] = [survivor.doc.currency, merged.doc.currency];
    if (a !== null && b !== null && a !== b) {
      throw new PosError('POS_INPUT_INVALID', `the accounts are kept in ${a} and ${b}`);
    }
    const group = [survivorId, ...(await writer.mergedInto(tenantId, survivorId))];
    const members = [...new Set([...group, mergedId, ...followers])];
    const balance = await writer.balance(tenantId, members);
    // The survivor's balance last: MongoDB writes in this order, and a crash before the last write
    // leaves a balance that a repeated merge sums again, never one that counts an entry twice.
    const writes: CustomerWrite[] = [
      { doc: { ...merged.doc, mergedInto: survivorId }, expectedSeq: merged.seq },
      ...followers.flatMap((id) => {
        const follower = masters.get(id);
        return follower
          ? [{ doc: { ...follower.doc, mergedInto: survivorId }, expectedSeq: follower.seq }]
          : [];
      }),
      { doc: { ...survivor.doc, ...balance }, expectedSeq: survivor.seq },
    ];
    const audit = {
      actor,
      action: 'mergeCustomers',
      target: mergedId,
      details: { survivorId, mergedId, note, balanceMinor: balance.balanceMinor },
    };
    const { stale } = await writer.write(tenantId, writes, audit);
    if (stale.length === 0) {
      return {
        survivor: withoutDeleted(writes.at(-1)!.doc),
        merged: withoutDeleted(writes[0]!.doc),
      };
    }
  }
  throw new PosError('POS_SYNC_STORAGE_FAILED', 'customer merge kept conflicting; retry');
}

/** A stored document as the admin API shows it. */
export function withoutDeleted(doc: Doc): Customer {
  const { _deleted: _ignored, ...customer } = doc;
  return customer;
}

import type { Sale } from '../../../schema/index.ts';
import type { SaleIngestOutcome, TerminalScope } from '../cloud-store.ts';
import type { SalePlan } from '../core/ingest-plan.ts';
import {
  checkIngestSize,
  idReused,
  keyConflict,
  planSale,
  rejectedOutcome,
} from '../core/ingest-plan.ts';
import { overrideAuditOf } from '../core/override-audit.ts';
import { decideReturn, returnOriginalId } from '../core/return-booking.ts';
import { checkPushedSale, posIdsOf, refusalAnswer } from '../pushed-sale-check.ts';
import type {
  InvalidPushedSale,
  PushedSaleContext,
  Refusal,
  SaleEvent,
  ValidPushedSale,
} from '../pushed-sale-check.ts';
import { accountEffectOf, refuseForeignCustomer } from '../core/account-booking.ts';
import { bookAccountEntry } from './account-entry.ts';
import type { Customers } from './customers.ts';
import type { AuditLog } from './audit-log.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { Ack, Booking, SaleLedger } from './sale-ledger.ts';

type Valid = ValidPushedSale;

/**
 * The core's plan for one input, or a repeat of an earlier input of this batch: the batch is written
 * after it is planned, so no input sees what an earlier one of its batch booked.
 */
type Plan =
  | SalePlan
  /** Same key and content as an earlier input of this batch: its outcome once that one is booked. */
  | { kind: 'same-as'; index: number; checked: Valid };

/**
 * Idempotent sale ingest on MongoDB (docs/design.md#sale-ingest), with the same outcomes
 * as the SQLite adapter. Without a transaction the unique indexes decide races: a sale booked
 * concurrently under the same key (a redelivery racing itself, maybe through another instance) comes
 * back from `book` as refused by the key index and is answered as the duplicate it is.
 */
export async function ingestSales(
  ledger: SaleLedger,
  deadLetters: DeadLetters,
  customers: Customers,
  audit: AuditLog,
  scope: TerminalScope,
  options: Omit<PushedSaleContext, 'highestArrived'>,
  inputs: unknown[],
): Promise<SaleIngestOutcome[]> {
  checkIngestSize(inputs);
  const context: PushedSaleContext = {
    ...options,
    highestArrived: await ledger.highestArrived(scope.tenantId, scope.terminalId, posIdsOf(inputs)),
  };
  const checked = inputs.map((input) => checkPushedSale(input, scope, context));
  const keys = checked.flatMap((c) => (c.ok ? [c.key] : c.refusal.key ? [c.refusal.key] : []));
  const stored = await ledger.salesByKeys(scope.tenantId, keys);
  const takenIds = await ledger.saleIdsBooked(
    scope.tenantId,
    checked.flatMap((c) => (c.ok ? [c.sale.id] : [])),
  );
  const sameStored = (key: string | null, hash: string | null) =>
    key && hash ? stored.get(key)?.find((d) => d.contentHash === hash)?.doc : undefined;

  const inBatch = new Map<string, number>();
  const plans: Plan[] = checked.map((c, index) => {
    // An earlier input of this batch planned to book the key, so nothing is stored under it yet.
    const earlier = c.ok ? inBatch.get(c.key) : undefined;
    if (c.ok && earlier !== undefined) {
      const first = checked[earlier] as Valid;
      if (first.contentHash === c.contentHash)
        return { kind: 'same-as', index: earlier, checked: c };
      return { kind: 'refuse', checked: keyConflict(c) };
    }
    const plan = planSale(c, {
      sameContent: () => sameStored(c.ok ? c.key : c.refusal.key, c.contentHash) ?? null,
      keyTaken: () => c.ok && stored.has(c.key),
      idTaken: () => c.ok && takenIds.has(c.sale.id),
    });
    if (plan.kind === 'book') {
      inBatch.set(plan.checked.key, index);
      takenIds.add(plan.checked.sale.id);
    }
    return plan;
  });

  // An account booking naming another tenant's customer is refused: one lookup for the push.
  const customerOf = (p: Plan) =>
    p.kind === 'book' ? (accountEffectOf(p.checked.sale)?.customerId ?? null) : null;
  const named = [...new Set(plans.map(customerOf).filter((id) => id !== null))];
  const foreign = await customers.heldElsewhere(scope.tenantId, named);
  for (const [index, p] of plans.entries()) {
    const customerId = customerOf(p);
    if (p.kind === 'book' && customerId !== null && foreign.has(customerId)) {
      plans[index] = { kind: 'refuse', checked: refuseForeignCustomer(p.checked) };
    }
  }

  // Returns are booked after the other sales of the batch, one at a time: the original they point
  // at may be one of those, and each return's counter update must see the ones before it.
  const isReturn = (p: Plan) => p.kind === 'book' && returnOriginalId(p.checked.sale) !== null;
  const toBook = plans.flatMap((p, index) =>
    p.kind === 'book' && !isReturn(p) ? [{ p, index }] : [],
  );
  const results = await ledger.book(
    scope.tenantId,
    scope.branchId,
    toBook.map(({ p }): Booking => {
      const c = (p as Extract<Plan, { kind: 'book' }>).checked;
      return { sale: c.sale, contentHash: c.contentHash, acceptedFrom: '' };
    }),
  );
  for (const [k, { p, index }] of toBook.entries()) {
    const result = results[k]!;
    if ('booked' in result) continue;
    const c = (p as Extract<Plan, { kind: 'book' }>).checked;
    // Lost a race on a unique index: look at what won.
    const now = await ledger.salesByKeys(scope.tenantId, [c.key]);
    const same = now.get(c.key)?.find((d) => d.contentHash === c.contentHash);
    plans[index] = same
      ? { kind: 'duplicate', key: c.key, sale: same.doc }
      : { kind: 'refuse', checked: result.refusedBy === 'sale_id' ? idReused(c) : keyConflict(c) };
  }
  const bookedAt = new Map(toBook.map(({ index }, k) => [index, results[k]!]));
  for (const [index, p] of plans.entries()) {
    if (p.kind !== 'book' || !isReturn(p)) continue;
    const booked = await bookReturn(ledger, scope, p.checked);
    if ('refused' in booked) plans[index] = { kind: 'refuse', checked: booked.refused };
    else if ('booked' in booked) bookedAt.set(index, booked);
    else plans[index] = booked.plan;
  }
  // Ledger entries after their bookings, in the push's order; a duplicate gets one a crash left out.
  for (const [index, plan] of plans.entries()) {
    const result = bookedAt.get(index);
    if (result && 'booked' in result) {
      const booked = await bookAccountEntry(ledger, customers, scope.tenantId, result.booked);
      bookedAt.set(index, { booked });
    } else if (plan.kind === 'duplicate') {
      const sale = await bookAccountEntry(ledger, customers, scope.tenantId, plan.sale);
      plans[index] = { ...plan, sale };
    }
  }

  const outcomes: SaleIngestOutcome[] = [];
  const acks: Ack[] = [];
  const events: SaleEvent[] = [];
  for (const [index, plan] of plans.entries()) {
    const { outcome, refusal } = await outcomeOf(plan, index);
    outcomes.push(outcome);
    if (outcome.status !== 'rejected') {
      // A duplicate's acknowledgement may be missing after a crash between booking and acking.
      acks.push({ terminalId: outcome.sale.terminalId, sale: outcome.sale, ingested: true });
      events.push(outcome.sale);
    } else {
      // Only a valid sale goes into the stream; the answer to any other payload is the push's alone.
      if (refusal?.sale && outcome.sale) {
        acks.push({ terminalId: scope.terminalId, sale: outcome.sale, ingested: false });
      }
      // A refused event still arrived: it must not show up as a lost sale.
      if (refusal?.event && refusal.event.terminalId === scope.terminalId) {
        events.push(refusal.event);
      }
    }
  }
  await ledger.acknowledge(scope.tenantId, scope.branchId, acks);
  await ledger.noteEvents(scope.tenantId, scope.branchId, events);
  // After the booking, like an admin write's entry: a crash in between may lose an entry, never
  // invent one.
  for (const outcome of outcomes) {
    const entry = outcome.status === 'ingested' ? overrideAuditOf(outcome.sale) : null;
    if (entry) await audit.record(scope.tenantId, ...entry);
  }
  return outcomes;

  async function outcomeOf(
    plan: Plan,
    index: number,
  ): Promise<{ outcome: SaleIngestOutcome; refusal?: Refusal }> {
    switch (plan.kind) {
      case 'duplicate':
        return { outcome: { status: 'duplicate', key: plan.key, sale: plan.sale } };
      case 'book': {
        const result = bookedAt.get(index)!;
        return {
          outcome: {
            status: 'ingested',
            key: plan.checked.key,
            sale: (result as { booked: Sale }).booked,
          },
        };
      }
      case 'same-as': {
        const first = outcomes[plan.index]!;
        return first.status === 'rejected'
          ? outcomeOf({ kind: 'refuse', checked: keyConflict(plan.checked) }, index)
          : { outcome: { status: 'duplicate', key: plan.checked.key, sale: first.sale } };
      }
      case 'refuse': {
        const { refusal, input } = plan.checked;
        const filed = await deadLetters.record(scope, input, refusal);
        return {
          refusal,
          outcome: rejectedOutcome(
            refusal,
            filed,
            refusalAnswer(refusal, input, filed.discardNote),
          ),
        };
      }
    }
  }
}

/**
 * Books one return (docs/design.md#returns): reads the original and its counter, decides, and writes
 * the counter only if it is still the one read (a conditional update on `version`), so two instances
 * ingesting returns of the same line concurrently cannot both take the last unit. Then books it; a
 * crash in between is repaired by the redelivery, which finds its id counted already.
 */
async function bookReturn(
  ledger: SaleLedger,
  scope: TerminalScope,
  c: Valid,
): Promise<{ booked: Sale } | { refused: InvalidPushedSale } | { plan: SalePlan }> {
  const originalId = returnOriginalId(c.sale)!;
  const decision = await ledger.updateReturnCounter(
    scope.tenantId,
    originalId,
    () => ledger.saleById(scope.tenantId, originalId),
    (counter, original) => {
      const decided = decideReturn(c, original, counter);
      return { write: decided.kind === 'book' ? decided.counter : null, answer: decided };
    },
  );
  if (decision.kind === 'refuse') return { refused: decision.checked };
  const [result] = await ledger.book(scope.tenantId, scope.branchId, [
    { sale: c.sale, contentHash: c.contentHash, acceptedFrom: '' },
  ]);
  if ('booked' in result!) return { booked: result.booked };
  // Lost a race on a unique index: a redelivery of this same return won (then it is counted once,
  // under its id), or the key or id is another sale's.
  const now = await ledger.salesByKeys(scope.tenantId, [c.key]);
  const same = now.get(c.key)?.find((d) => d.contentHash === c.contentHash);
  if (same) return { plan: { kind: 'duplicate', key: c.key, sale: same.doc } };
  return { refused: result!.refusedBy === 'sale_id' ? idReused(c) : keyConflict(c) };
}

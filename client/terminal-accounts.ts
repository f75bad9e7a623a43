import type { Subscription } from 'rxjs';
import type { AccountCheck, Customer, Sale } from '../schema/index.ts';
import type { AccountEvent } from './account-exposure.ts';
import { accountEventOf, computeAccountCheck } from './account-exposure.ts';
import { MERGE_HOPS_MAX } from './terminal-customers.ts';
import type { TerminalDatabase } from './terminal-database.ts';

/**
 * This terminal's account events (charges, settlements, refunds to account), held in memory so the
 * offline credit check of a `sell()` reads no collection but the customer (docs/design.md#accounts).
 * Read once at open from the sales, then kept current from every write to the sales collection
 * (`sell()` and `settle()` add theirs before they return), and from the customers collection for the
 * merges of customers that have events here.
 */
export class TerminalAccounts {
  readonly #events = new Map<string, AccountEvent>();
  /** Sale ids of the events, by the customer each names. */
  readonly #byCustomer = new Map<string, Set<string>>();
  /** For merged customers seen (at open: those with events here): the customer each went into. */
  readonly #mergedInto = new Map<string, string>();
  readonly #subscriptions: Subscription[];

  private constructor(db: TerminalDatabase) {
    this.#subscriptions = [
      db.sales.$.subscribe((event) => this.observeSale(event.documentData as Sale)),
      db.customers.$.subscribe((event) => this.#observeCustomer(event.documentData as Customer)),
    ];
  }

  /** Takes the account events of the sales read at open, and the merges of their customers. */
  static async open(db: TerminalDatabase, sales: Iterable<Sale>): Promise<TerminalAccounts> {
    const accounts = new TerminalAccounts(db);
    for (const sale of sales) accounts.observeSale(sale);
    const customers = await db.customers.findByIds([...accounts.#byCustomer.keys()]).exec();
    for (const doc of customers.values()) accounts.#observeCustomer(doc.toJSON() as Customer);
    return accounts;
  }

  /** Takes in a sale document as written (the till's own, or its synced copy). */
  observeSale(sale: Sale): void {
    const event = accountEventOf(sale);
    if (!event) return;
    this.#events.set(event.saleId, event);
    let ids = this.#byCustomer.get(event.customerId);
    if (!ids) this.#byCustomer.set(event.customerId, (ids = new Set()));
    ids.add(event.saleId);
  }

  #observeCustomer(customer: Customer): void {
    if (customer.mergedInto !== null) this.#mergedInto.set(customer.id, customer.mergedInto);
  }

  /**
   * The credit check of `customer` (the survivor of any merge, as pulled): its limit, its synced
   * balance, and this terminal's events the balance leaves out, of it and of the customers merged
   * into it.
   */
  check(customer: Customer): AccountCheck {
    return computeAccountCheck(customer, this.#eventsOf(customer.id));
  }

  *#eventsOf(rootId: string): Generator<AccountEvent> {
    for (const id of [rootId, ...this.#mergedMembers(rootId)]) {
      for (const saleId of this.#byCustomer.get(id) ?? []) yield this.#events.get(saleId)!;
    }
  }

  /** Customers with events here whose merge chain ends at `rootId`. */
  #mergedMembers(rootId: string): string[] {
    const members: string[] = [];
    for (const id of this.#mergedInto.keys()) {
      let current = id;
      for (let hop = 0; hop < MERGE_HOPS_MAX && current !== rootId; hop++) {
        const next = this.#mergedInto.get(current);
        if (next === undefined) break;
        current = next;
      }
      if (current === rootId) members.push(id);
    }
    return members;
  }

  /** This terminal's charges the cloud marked `over_limit` at ingest. */
  get overLimitCharges(): number {
    let count = 0;
    for (const event of this.#events.values()) {
      if (event.accountVerification === 'over_limit') count++;
    }
    return count;
  }

  /** Stops watching the collections (the terminal is closing). */
  unsubscribe(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
  }
}

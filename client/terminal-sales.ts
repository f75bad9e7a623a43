import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { isRetryable } from '../replication/index.ts';
import type { BranchProduct, Sale } from '../schema/index.ts';
import { PosError, createUuidV7 } from '../schema/index.ts';
import type { SaleAccountFields, SellInput } from './build-sale.ts';
import { buildSale, parseSellInput } from './build-sale.ts';
import type { SettleInput } from './build-settlement.ts';
import { buildSettlement, parseSettleInput } from './build-settlement.ts';
import { ManagerOverride } from './manager-override.ts';
import { SerialQueue } from './serial-queue.ts';
import type { TerminalAccounts } from './terminal-accounts.ts';
import type { TerminalCustomers } from './terminal-customers.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';

/** What the sales need of the push worker, which only runs once syncing started. */
export type SalesPush = {
  /** Push now (with `resetBackoff`: without waiting out a grown backoff). */
  wake(resetBackoff?: boolean): void;
  /** The cloud answered for this sale; the worker stops tracking it. */
  acknowledge(saleId: string): void;
};

/**
 * The terminal's sales: selling from the local catalog through one queue, the `localEventId`
 * counter, the operator's requeue, and the watch on the sales collection that feeds the status.
 */
export class TerminalSales {
  readonly #db: TerminalDatabase;
  readonly #identity: Readonly<TerminalIdentity>;
  readonly #currency: string | undefined;
  readonly #push: SalesPush;
  readonly #accounts: TerminalAccounts;
  readonly #customers: TerminalCustomers;
  readonly #logger: () => Logger;
  readonly #closed: () => boolean;
  readonly #onSold: () => void;
  readonly #queue = new SerialQueue();
  readonly #subscription: Subscription;
  #nextLocalEventId: number;

  constructor(init: {
    db: TerminalDatabase;
    /** The terminal's identity, updated in place when the cloud moves the terminal. */
    identity: Readonly<TerminalIdentity>;
    /** The `currency` option: it wins over the branch's. */
    currency: string | undefined;
    nextLocalEventId: number;
    push: SalesPush;
    /** This terminal's account events, for the credit check. */
    accounts: TerminalAccounts;
    /** The customers, followed through merges. */
    customers: TerminalCustomers;
    logger: () => Logger;
    closed: () => boolean;
    events: {
      onSold(): void;
      /** A sale became `synced`. */
      onSynced(): void;
      /** Any write to the sales collection. */
      onChange(): void;
    };
  }) {
    this.#db = init.db;
    this.#identity = init.identity;
    this.#currency = init.currency;
    this.#nextLocalEventId = init.nextLocalEventId;
    this.#push = init.push;
    this.#accounts = init.accounts;
    this.#customers = init.customers;
    this.#logger = init.logger;
    this.#closed = init.closed;
    const { onSold, onSynced, onChange } = init.events;
    this.#onSold = onSold;
    this.#subscription = this.#db.sales.$.subscribe((event) => {
      const sale = event.documentData as Sale;
      const before = event.previousDocumentData as Sale | undefined;
      if (sale.syncState !== 'queued') this.#push.acknowledge(sale.id);
      if (sale.syncState === 'synced' && before?.syncState !== 'synced') onSynced();
      onChange();
    });
  }

  /** See `Terminal.sell`. */
  sell(input: SellInput): Promise<Sale> {
    return this.#queue.run(async () => {
      if (this.#closed()) throw new PosError('POS_INPUT_INVALID', 'the terminal is closed');
      const account = await this.#checkAccount(input);
      const ids = [...new Set((input.lines ?? []).map((line) => line.productId))];
      const found = await this.#db.products.findByIds(ids).exec();
      const products = new Map<string, BranchProduct>();
      for (const [id, doc] of found) products.set(id, doc.toJSON() as BranchProduct);
      const now = Date.now();
      const sale = buildSale({
        input,
        products,
        identity: this.#identity,
        localEventId: this.#nextLocalEventId,
        id: createUuidV7(now),
        createdAt: new Date(now).toISOString(),
        currency: this.#currency ?? this.#identity.currency ?? undefined,
        ...(account ? { account } : {}),
      });
      return this.#queueEvent(sale);
    });
  }

  /**
   * The customer and the offline credit check of a sale (docs/design.md#accounts), or undefined for
   * a sale without a customer. A charge on account needs an active account and, beyond the credit
   * available, a manager's override of `POS_CREDIT_LIMIT_EXCEEDED`.
   */
  async #checkAccount(input: SellInput): Promise<SaleAccountFields | undefined> {
    const parsed = parseSellInput(input);
    if (!parsed.customerId) return undefined;
    const customer = await this.#customers.resolve(parsed.customerId);
    const charged = parsed.payments
      .filter((p) => p.method === 'account')
      .reduce((sum, p) => sum + p.amountMinor, 0);
    if (charged === 0) return { customerId: customer.id, accountCheck: null, override: null };
    if (customer.accountStatus !== 'active') {
      throw new PosError(
        'POS_ACCOUNT_NOT_ACTIVE',
        `the account of ${customer.id} is ${customer.accountStatus}`,
        {
          customerId: customer.id,
          accountStatus: customer.accountStatus,
        },
      );
    }
    const check = this.#accounts.check(customer);
    const override = new ManagerOverride(parsed.override);
    if (charged > check.availableMinor) {
      override.pass(
        'POS_CREDIT_LIMIT_EXCEEDED',
        `charge ${charged} exceeds the available credit ${check.availableMinor} of ${customer.id}`,
        { customerId: customer.id, chargedMinor: charged, ...check },
      );
    }
    return { customerId: customer.id, accountCheck: check, override: override.recorded };
  }

  /** See `Terminal.settle`. */
  settle(input: SettleInput): Promise<Sale> {
    return this.#queue.run(async () => {
      if (this.#closed()) throw new PosError('POS_INPUT_INVALID', 'the terminal is closed');
      const parsed = parseSettleInput(input);
      const customer = await this.#customers.resolve(parsed.customerId);
      const currency = this.#currency ?? this.#identity.currency ?? customer.currency;
      if (!currency) {
        throw new PosError(
          'POS_INPUT_INVALID',
          'the currency is not known until the cloud was reached',
        );
      }
      const now = Date.now();
      const sale = buildSettlement({
        input: parsed,
        customerId: customer.id,
        identity: this.#identity,
        localEventId: this.#nextLocalEventId,
        id: createUuidV7(now),
        createdAt: new Date(now).toISOString(),
        currency,
      });
      return this.#queueEvent(sale);
    });
  }

  /** Writes a sale document and queues it for push: one insert, then the counter advances. */
  async #queueEvent(sale: Sale): Promise<Sale> {
    await this.#db.sales.insert(sale);
    this.#nextLocalEventId += 1;
    // Before the next sale is checked, whatever the collection's change stream delivers when.
    this.#accounts.observeSale(sale);
    this.#onSold();
    this.#push.wake();
    return sale;
  }

  /** Runs `task` in the sell queue: no sale is built while it runs. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue.run(task);
  }

  /** Resolves once every sale (and exclusive task) queued so far has finished. */
  async drain(): Promise<void> {
    await this.#queue.drain();
  }

  /** See `Terminal.requeue`. */
  async requeue(saleIds?: readonly string[]): Promise<string[]> {
    const selector = { syncState: 'needs_attention' as const };
    const candidates = saleIds
      ? [...(await this.#db.sales.findByIds([...saleIds]).exec()).values()]
      : await this.#db.sales.find({ selector }).exec();
    const requeued: string[] = [];
    for (const doc of candidates) {
      if (doc.syncState !== 'needs_attention' || !isRetryable(doc.lastError?.code)) continue;
      await doc.incrementalModify((current) =>
        current.syncState === 'needs_attention'
          ? { ...current, syncState: 'queued', syncAttempts: 0, lastError: null }
          : current,
      );
      requeued.push(doc.id);
    }
    if (requeued.length > 0) {
      this.#logger().info({ requeued: requeued.length }, 'sales requeued by an operator');
      this.#push.wake(true);
    }
    return requeued;
  }

  /** Resolves once no sale is queued. */
  async awaitNoneQueued(): Promise<void> {
    await firstValueFrom(
      this.#db.sales.count({ selector: { syncState: 'queued' } }).$.pipe(filter((n) => n === 0)),
    );
  }

  /** Stops watching the sales collection (the terminal is closing). */
  unsubscribe(): void {
    this.#subscription.unsubscribe();
  }
}

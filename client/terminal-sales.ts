import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { SALE_FOR_RETURN_DOCUMENT, isRetryable } from '../replication/index.ts';
import type { BranchProduct, ReturnedLine, Sale } from '../schema/index.ts';
import { PosError, createUuidV7, requireOverride, withSaleV2Defaults } from '../schema/index.ts';
import type { RefundInput, ReturnOriginal } from './build-return.ts';
import { buildReturn, parseRefundInput } from './build-return.ts';
import type { ParsedSellInput, SaleAccountFields, SellInput } from './build-sale.ts';
import { buildSale, parseSellInput } from './build-sale.ts';
import type { SettleInput } from './build-settlement.ts';
import { buildSettlement, parseSettleInput } from './build-settlement.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import { SyncRequestError } from './graphql-client.ts';
import { LocalReturns } from './local-returns.ts';
import type { ContactState, OfflineLimits } from './offline-limits.ts';
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

/** The cloud's `saleForReturn` answer. */
type SaleForReturnAnswer = { sale: Sale; returned: ReturnedLine[] };

/** How long `refund()` waits for the cloud's copy of another terminal's sale before it is offline. */
const RETURN_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The terminal's sales: selling from the local catalog and returning through one queue, the
 * `localEventId` counter, the operator's requeue, and the watch on the sales collection that feeds
 * the status.
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
  readonly #returns: LocalReturns;
  readonly #caller: GraphQLCaller;
  readonly #contact: () => ContactState;
  readonly #limits: OfflineLimits;
  readonly #restock: (productId: string, quantity: number) => Promise<unknown>;
  #nextLocalEventId: number;

  constructor(init: {
    db: TerminalDatabase;
    /** The sales read at open (`readSalesAtOpen`): what was returned of each original. */
    sales: Iterable<Sale>;
    caller: GraphQLCaller;
    contact: () => ContactState;
    limits: OfflineLimits;
    /** Puts returned goods back into branch inventory (a CRDT `$inc` with reason `return`). */
    restock: (productId: string, quantity: number) => Promise<unknown>;
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
    this.#returns = new LocalReturns(init.sales);
    this.#caller = init.caller;
    this.#contact = init.contact;
    this.#limits = init.limits;
    this.#restock = init.restock;
    const { onSold, onSynced, onChange } = init.events;
    this.#onSold = onSold;
    this.#subscription = this.#db.sales.$.subscribe((event) => {
      const sale = event.documentData as Sale;
      const before = event.previousDocumentData as Sale | undefined;
      this.#returns.note(sale);
      if (sale.syncState !== 'queued') this.#push.acknowledge(sale.id);
      if (sale.syncState === 'synced' && before?.syncState !== 'synced') onSynced();
      onChange();
    });
  }

  /** See `Terminal.sell`. */
  sell(input: SellInput): Promise<Sale> {
    return this.#queue.run(async () => {
      if (this.#closed()) throw new PosError('POS_INPUT_INVALID', 'the terminal is closed');
      const parsed = parseSellInput(input);
      const account = await this.#checkAccount(parsed);
      const contact = this.#contact();
      const ids = [...new Set(parsed.lines.map((line) => line.productId))];
      const found = await this.#db.products.findByIds(ids).exec();
      const products = new Map<string, BranchProduct>();
      for (const [id, doc] of found) products.set(id, doc.toJSON() as BranchProduct);
      const now = Date.now();
      const built = buildSale({
        input: parsed,
        products,
        identity: this.#identity,
        localEventId: this.#nextLocalEventId,
        id: createUuidV7(now),
        createdAt: new Date(now).toISOString(),
        currency: this.#currency ?? this.#identity.currency ?? undefined,
        contact: { offline: contact.offline, lastContactAt: contact.lastContactAt },
        ...(account
          ? {
              account: {
                customerId: account.customerId,
                accountCheck: account.accountCheck,
                override: null,
              },
            }
          : {}),
      });
      const given = parsed.override ?? null;
      const offlineOverridden =
        contact.offline &&
        this.#limits.check(
          { totalMinor: built.totals.totalMinor, payments: built.payments },
          given,
        );
      // The override is recorded (and audited by the cloud) when any refusal it names was passed.
      const overridden = offlineOverridden || account?.overridden === true;
      const sale: Sale = { ...built, override: overridden ? given : null };
      return this.#queueEvent(sale);
    });
  }

  /**
   * The customer and the offline credit check of a sale (docs/design.md#accounts), or undefined for
   * a sale without a customer. A charge on account needs an active account and, beyond the credit
   * available, a manager's override of `POS_CREDIT_LIMIT_EXCEEDED`.
   */
  async #checkAccount(
    parsed: ParsedSellInput,
  ): Promise<(SaleAccountFields & { overridden: boolean }) | undefined> {
    if (!parsed.customerId) return undefined;
    const customer = await this.#customers.resolve(parsed.customerId);
    const charged = parsed.payments
      .filter((p) => p.method === 'account')
      .reduce((sum, p) => sum + p.amountMinor, 0);
    if (charged === 0) {
      return { customerId: customer.id, accountCheck: null, override: null, overridden: false };
    }
    if (customer.accountStatus !== 'active') {
      throw new PosError(
        'POS_ACCOUNT_NOT_ACTIVE',
        `the account of ${customer.id} is ${customer.accountStatus}`,
        { customerId: customer.id, accountStatus: customer.accountStatus },
      );
    }
    const check = this.#accounts.check(customer);
    const overridden = requireOverride(
      'POS_CREDIT_LIMIT_EXCEEDED',
      charged > check.availableMinor
        ? [{ message: `charge ${charged} exceeds the available credit ${check.availableMinor}` }]
        : [],
      parsed.override ?? null,
      { customerId: customer.id, chargedMinor: charged, ...check },
    );
    return { customerId: customer.id, accountCheck: check, override: null, overridden };
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
      const contact = this.#contact();
      const now = Date.now();
      const sale = buildSettlement({
        input: parsed,
        customerId: customer.id,
        identity: this.#identity,
        localEventId: this.#nextLocalEventId,
        id: createUuidV7(now),
        createdAt: new Date(now).toISOString(),
        currency,
        contact: { offline: contact.offline, lastContactAt: contact.lastContactAt },
      });
      return this.#queueEvent(sale);
    });
  }

  /** Writes a sale document and queues it for push: one insert, then the counter advances. */
  async #queueEvent(sale: Sale): Promise<Sale> {
    await this.#db.sales.insert(sale);
    this.#limits.record(sale);
    this.#nextLocalEventId += 1;
    // Before the next event is checked, whatever the collection's change stream delivers when.
    this.#returns.note(sale);
    this.#accounts.observeSale(sale);
    this.#onSold();
    this.#push.wake();
    return sale;
  }

  /** See `Terminal.refund`. */
  refund(request: RefundInput): Promise<Sale> {
    return this.#queue.run(async () => {
      if (this.#closed()) throw new PosError('POS_INPUT_INVALID', 'the terminal is closed');
      const input = parseRefundInput(request);
      const contact = this.#contact();
      const original = await this.#originalOf(input, contact.online);
      const now = Date.now();
      const built = buildReturn({
        input,
        original,
        identity: this.#identity,
        localEventId: this.#nextLocalEventId,
        id: createUuidV7(now),
        createdAt: new Date(now).toISOString(),
        offline: contact.offline,
        lastContactAt: contact.lastContactAt,
      });
      // Another terminal's sale returned without the cloud is within the offline limits only,
      // whatever the threshold says. The override is recorded when it passed a refusal, as in sell().
      const limited = contact.offline || original.source === 'unverified';
      const override = input.override ?? null;
      const event = { totalMinor: built.totals.totalMinor, payments: built.payments };
      const overridden = limited && this.#limits.check(event, override);
      const ret = await this.#queueEvent({ ...built, override: overridden ? override : null });
      // After the return is stored: a crash in between loses the restock, never the refund; the
      // next count corrects the stock (docs/design.md#returns).
      // A restock the inventory refuses (a counter at its bound) is logged: the refund stands.
      for (const line of ret.lines) {
        if (!line.restock) continue;
        await this.#restock(line.productId, line.quantity).catch((error: unknown) => {
          this.#logger().warn(
            { err: error, eventId: ret.id, productId: line.productId },
            'returned goods not restocked',
          );
        });
      }
      return ret;
    });
  }

  /**
   * The original of a return: this terminal's own sale (offline too, against the returns it holds);
   * else the cloud's copy with what was booked as returned, plus this terminal's returns of it not
   * booked yet; else, offline, the receipt the cashier scanned (`unverified`).
   */
  async #originalOf(
    input: ReturnType<typeof parseRefundInput>,
    online: boolean,
  ): Promise<ReturnOriginal> {
    const saleId = input.saleId ?? this.#returns.saleIdOf(input.invoiceNo!);
    const own = saleId === undefined ? null : await this.#db.sales.findOne(saleId).exec();
    if (own && own.kind === 'sale' && own.branchId === this.#identity.branchId) {
      return {
        sale: own.toJSON() as Sale,
        source: 'own',
        returned: this.#returns.returned(own.id),
      };
    }
    if (own) {
      throw new PosError('POS_RETURN_ORIGINAL_UNKNOWN', `${own.id} is not a sale of this branch`);
    }
    const fromCloud = online ? await this.#fetchOriginal(input) : undefined;
    if (fromCloud === null) {
      throw new PosError(
        'POS_RETURN_ORIGINAL_UNKNOWN',
        'the cloud has no such sale in this branch',
      );
    }
    if (fromCloud) {
      const unbooked = this.#returns.returned(fromCloud.sale.id, (r) => r.invoiceNo === null);
      return {
        sale: fromCloud.sale,
        source: 'cloud',
        returned: sumReturned(fromCloud.returned, unbooked),
      };
    }
    const receipt = input.receipt;
    const matches =
      receipt !== undefined &&
      (input.saleId === undefined
        ? receipt.invoiceNo === input.invoiceNo
        : receipt.id === input.saleId);
    if (!matches || receipt.branchId !== this.#identity.branchId) {
      throw new PosError(
        'POS_SYNC_OFFLINE',
        "another terminal's sale is returned online, or offline from its receipt",
      );
    }
    return { sale: receipt, source: 'unverified', returned: this.#returns.returned(receipt.id) };
  }

  /** The cloud's copy (null: none in this branch), or undefined when the cloud did not answer. */
  async #fetchOriginal(
    input: ReturnType<typeof parseRefundInput>,
  ): Promise<SaleForReturnAnswer | null | undefined> {
    const variables = input.saleId ? { saleId: input.saleId } : { invoiceNo: input.invoiceNo };
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.#caller.call<SaleForReturnAnswer | null>(
          SALE_FOR_RETURN_DOCUMENT,
          'saleForReturn',
          variables,
        ),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), RETURN_LOOKUP_TIMEOUT_MS);
        }),
      ]);
      if (!answer) return answer;
      return { sale: withSaleV2Defaults(answer.sale), returned: answer.returned };
    } catch (error) {
      // No answer is offline; an answer with a code is the cloud's word.
      if (error instanceof SyncRequestError && error.code === null) return undefined;
      throw error;
    } finally {
      clearTimeout(timer);
    }
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

/** Two per-line sums of returned quantities and amounts added up. */
function sumReturned(a: readonly ReturnedLine[], b: readonly ReturnedLine[]): ReturnedLine[] {
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => ({
    quantity: (a[i]?.quantity ?? 0) + (b[i]?.quantity ?? 0),
    discountMinor: (a[i]?.discountMinor ?? 0) + (b[i]?.discountMinor ?? 0),
    taxMinor: (a[i]?.taxMinor ?? 0) + (b[i]?.taxMinor ?? 0),
  }));
}

import Bottleneck from 'bottleneck';
import type { Logger } from 'pino';
import type { MangoQuerySelector, RxCollection, RxDocument } from 'rxdb';
import type {
  LaneRef,
  PushFailure,
  SalesPushAction,
  SalesPushEvent,
  SalesPushState,
} from '../replication/index.ts';
import {
  PUSH_DOCUMENTS,
  createBackoff,
  decideSalesPush,
  initialSalesPushState,
  mayPush,
} from '../replication/index.ts';
import type { Sale } from '../schema/index.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import { SyncRequestError } from './graphql-client.ts';
import { SaleDueTimes } from './sale-due-times.ts';

/** Settings of the push worker. */
export type SalesPushWorkerOptions = {
  batchSize: number;
  concurrency: number;
  maxServerAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** A booked sale whose ingested copy has not come back by pull after this long is pushed again. */
  ackTimeoutMs?: number;
};

/** What the worker tells the terminal. */
export type SalesPushEvents = {
  onPushed(at: Date): void;
  /** Booked sales: the sales pull should run to fetch their ingested copies. */
  onBooked(): void;
  onAuthLoss(code: string): void;
};

type WireSale = Sale & { _deleted: false };
type RoundSales = ReadonlyMap<string, RxDocument<Sale>>;

/** How the cloud answers a sale it did not book: refused, or discarded by an operator. */
const REFUSED_STATES: ReadonlySet<Sale['syncState']> = new Set(['needs_attention', 'discarded']);

function toPushFailure(error: unknown): PushFailure {
  if (error instanceof SyncRequestError) {
    return { code: error.code, message: error.message, retryAfterMs: error.retryAfterMs };
  }
  return { code: null, message: String((error as Error)?.message ?? error) };
}

function toWire(doc: RxDocument<Sale>): WireSale {
  const { _meta, _rev, _attachments, _deleted, ...sale } = doc.toMutableJSON(true) as any;
  void _meta;
  void _rev;
  void _attachments;
  void _deleted;
  return { ...(sale as Sale), _deleted: false };
}

/**
 * Pushes queued sales with `pushSales` — a custom worker rather than RxDB's push, because RxDB's push
 * retries a whole batch after a fixed delay and knows nothing of per-sale attempts, `retryAfterMs`,
 * jitter or a halted queue. Exactly-once is the server's job (idempotency key
 * `terminalId:posId:localEventId`); the worker only makes sure every queued sale is sent until the
 * cloud answered for it. What to send next and what an answer or a failure means is decided by
 * `decideSalesPush` (the rules are listed there); the worker reads the due sales, sends, writes the
 * cloud's answers and performs the policy's actions.
 */
export class SalesPushWorker {
  readonly #sales: RxCollection<Sale>;
  readonly #caller: GraphQLCaller;
  readonly #options: Required<SalesPushWorkerOptions>;
  readonly #events: SalesPushEvents;
  readonly #logger: Logger;
  readonly #limiter: Bottleneck;
  readonly #due: SaleDueTimes;
  #state: SalesPushState;
  /**
   * Where the last round stopped in `[syncState, createdAt]` order: the next round reads from there,
   * so sales already sent and waiting for their acknowledgement are not read again on every round
   * (with 10,000 queued sales that re-reading dominated the flush). Reset to the start after a backoff
   * and when a round finds nothing further, so nothing is ever skipped for good.
   */
  #cursor: string | null = null;
  /** Wakes the worker when the queue's backoff is over. */
  #backoffTimer: NodeJS.Timeout | undefined;
  /** Wakes the worker when a held or booked sale comes due. */
  #dueTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** A wake-up came while rounds ran: look again once they stop. */
  #again = false;

  constructor(options: {
    sales: RxCollection<Sale>;
    caller: GraphQLCaller;
    settings: SalesPushWorkerOptions;
    events: SalesPushEvents;
    logger: Logger;
  }) {
    this.#sales = options.sales;
    this.#caller = options.caller;
    this.#options = { ackTimeoutMs: 30_000, ...options.settings };
    this.#events = options.events;
    this.#logger = options.logger;
    this.#limiter = new Bottleneck({ maxConcurrent: this.#options.concurrency });
    this.#due = new SaleDueTimes(this.#options.ackTimeoutMs);
    this.#state = initialSalesPushState({
      maxServerAttempts: this.#options.maxServerAttempts,
      backoff: createBackoff({
        baseMs: this.#options.backoffBaseMs,
        capMs: this.#options.backoffCapMs,
      }),
    });
  }

  /** Whether the queue is halted by a token problem. */
  get halted(): boolean {
    return this.#state.halted;
  }

  /** The cloud acknowledged these by pull; stop tracking them. */
  acknowledge(id: string): void {
    this.#due.acknowledged(id);
  }

  /** Starts pushing (the terminal's `start()`); until then sales only queue up. */
  start(): void {
    this.#decide({ type: 'start' });
    this.wake();
  }

  /** Push soon: a sale was made, the network came back, or a caller waits for sync. */
  wake(resetBackoff = false): void {
    const { started, closed, halted } = this.#state;
    if (!started || closed || halted) return;
    if (resetBackoff) {
      void this.#perform(this.#decide({ type: 'resetBackoff' }));
      clearTimeout(this.#backoffTimer);
      this.#backoffTimer = undefined;
    }
    if (this.#running) {
      this.#again = true;
      return;
    }
    const wait = this.#state.pausedUntil - Date.now();
    if (wait > 0) {
      this.#backoffTimer ??= setTimeout(() => {
        this.#backoffTimer = undefined;
        this.wake();
      }, wait);
      return;
    }
    this.#running = this.#runRounds().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Stops pushing; a push in flight finishes (its answer is written) before this resolves. */
  async close(): Promise<void> {
    this.#decide({ type: 'close' });
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#dueTimer);
    await this.#running;
    await this.#limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  #decide(event: SalesPushEvent): SalesPushAction[] {
    const { state, actions } = decideSalesPush(this.#state, event);
    this.#state = state;
    return actions;
  }

  async #runRounds(): Promise<void> {
    while (mayPush(this.#state, Date.now())) {
      let goOn: boolean;
      try {
        goOn = await this.#runRound();
      } catch (error) {
        if (this.#state.closed) return;
        this.#logger.error({ err: error }, 'push round failed');
        await this.#perform(this.#decide({ type: 'roundFailed', now: Date.now() }));
        return;
      }
      if (!goOn) {
        this.#wakeWhenDue();
        return;
      }
    }
  }

  /** One round: its batches in parallel, one lane each. Returns whether to go on at once. */
  async #runRound(): Promise<boolean> {
    const { batchSize, concurrency } = this.#options;
    const due = await this.#readDueSales();
    if (due.length === 0) return false;
    const batches: RxDocument<Sale>[][] = [];
    for (let i = 0; i < due.length && batches.length < concurrency; i += batchSize) {
      batches.push(due.slice(i, i + batchSize));
    }
    const sales: RoundSales = new Map(due.map((doc) => [doc.id, doc]));
    this.#decide({
      type: 'roundStarted',
      batches: batches.map((batch) =>
        batch.map((doc) => ({ id: doc.id, attempts: doc.syncAttempts })),
      ),
    });
    const round = this.#state.round!.number;
    await Promise.all(
      batches.map((_, lane) => this.#limiter.schedule(() => this.#runLane({ round, lane }, sales))),
    );
    const actions = this.#decide({ type: 'roundEnded', now: Date.now() });
    await this.#perform(actions);
    return actions.some((action) => action.type === 'nextRound');
  }

  /** Asks the policy what the lane sends next, sends it and reports the outcome, until it says stop. */
  async #runLane(ref: LaneRef, sales: RoundSales): Promise<void> {
    for (;;) {
      const actions = this.#decide({ type: 'next', ...ref, now: Date.now() });
      await this.#perform(actions, sales);
      const send = actions.find((action) => action.type === 'send');
      if (!send) return;
      const batch = send.ids.map((id) => sales.get(id)!);
      let conflicts: Sale[];
      try {
        conflicts = await this.#send(batch);
      } catch (error) {
        const failure = toPushFailure(error);
        if (!send.resend) {
          this.#logger.warn(
            {
              errorCode: failure.code,
              syncAttempt: batch[0]!.syncAttempts + 1,
              sales: batch.length,
            },
            `push failed: ${failure.message}`,
          );
        }
        await this.#perform(
          this.#decide({ type: 'failed', ...ref, failure, now: Date.now() }),
          sales,
        );
        continue;
      }
      const duplicates = await this.#writeAnswer(batch, conflicts);
      await this.#perform(
        this.#decide({ type: 'answered', ...ref, sales: batch.length, duplicates }),
        sales,
      );
    }
  }

  /** The sales due now, up to a round's worth, read from `#cursor` on. */
  async #readDueSales(): Promise<RxDocument<Sale>[]> {
    const { batchSize, concurrency } = this.#options;
    const now = Date.now();
    const wanted = batchSize * concurrency;
    let due: RxDocument<Sale>[] = [];
    let wrapped = this.#cursor === null;
    for (let pages = 0; pages < 100 && due.length === 0; pages++) {
      const selector: MangoQuerySelector<Sale> = { syncState: 'queued' };
      if (this.#cursor !== null) selector.createdAt = { $gte: this.#cursor };
      const limit = wanted * 4;
      const page = await this.#sales.find({ selector, sort: [{ createdAt: 'asc' }], limit }).exec();
      due = page.filter((doc) => this.#due.isDue(doc.id, now)).slice(0, wanted);
      // Sales made in the same millisecond share a createdAt, hence `$gte` and the filter above.
      const last = due[due.length - 1] ?? page[page.length - 1];
      if (due.length > 0 || page.length === limit) {
        this.#cursor = last?.createdAt ?? null;
        continue;
      }
      // End of the queue: start over once from the beginning, then stop.
      this.#cursor = null;
      if (wrapped) break;
      wrapped = true;
    }
    return due;
  }

  /** Performs the policy's actions in order, awaiting the writes among them. */
  async #perform(actions: SalesPushAction[], sales?: RoundSales): Promise<void> {
    for (const action of actions) {
      const write = this.#performOne(action, sales);
      if (write) await write;
    }
  }

  #performOne(action: SalesPushAction, sales: RoundSales | undefined): Promise<void> | undefined {
    switch (action.type) {
      case 'awaitAck': {
        const now = Date.now();
        for (const id of action.ids) this.#due.booked(id, now);
        return undefined;
      }
      case 'charge':
        return this.#charge(sales!.get(action.id)!, action.attempts, action.holdMs);
      case 'needsAttention':
        this.#due.forgetHold(action.id);
        return this.#markNeedsAttention(sales!.get(action.id)!, action.failure);
      case 'backOff':
        this.#backOff(action);
        return undefined;
      case 'forgetHolds':
        this.#due.forgetHolds();
        return undefined;
      case 'halt':
        this.#events.onAuthLoss(action.code);
        return undefined;
      case 'send':
      case 'nextRound':
        // Read by the loops that asked.
        return undefined;
    }
  }

  /** A held or booked sale comes due: wake the worker then, even if nothing else happens. */
  #wakeWhenDue(): void {
    clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    const now = Date.now();
    const next = this.#due.nextDueAt(now);
    if (next === undefined || this.#state.closed) return;
    this.#dueTimer = setTimeout(() => {
      this.#dueTimer = undefined;
      this.wake();
    }, next - now);
  }

  #backOff(action: Extract<SalesPushAction, { type: 'backOff' }>): void {
    if (action.failingCloud) {
      this.#logger.warn(
        action.failingCloud,
        'the cloud fails the sales pushed alone: backing off, no attempt counted',
      );
    }
    this.#cursor = null;
    clearTimeout(this.#backoffTimer);
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = undefined;
      this.wake();
    }, action.delayMs);
  }

  #send(batch: RxDocument<Sale>[]): Promise<Sale[]> {
    return this.#caller.call<Sale[]>(PUSH_DOCUMENTS.sales, 'pushSales', {
      rows: batch.map((doc) => ({ assumedMasterState: null, newDocumentState: toWire(doc) })),
    });
  }

  /**
   * Writes the cloud's answer to a push: booked rows wait for their ingested copy, duplicates and
   * refusals are written at once. Returns how many rows were answered with their booked copy.
   */
  async #writeAnswer(batch: RxDocument<Sale>[], conflicts: Sale[]): Promise<number> {
    this.#events.onPushed(new Date());
    const answered = new Map(conflicts.map((c) => [c.id, c]));
    let booked = false;
    let duplicates = 0;
    for (const doc of batch) {
      const master = answered.get(doc.id);
      if ((master?.invoiceNo ?? null) !== null) duplicates += 1;
      if (master && (master.invoiceNo !== null || REFUSED_STATES.has(master.syncState))) {
        await this.#applyMaster(doc, master);
      } else {
        this.#due.booked(doc.id, Date.now());
        booked = true;
      }
    }
    if (booked) this.#events.onBooked();
    return duplicates;
  }

  /** Writes the cloud's answer for a sale: its booked copy, or the refusal with its error. */
  async #applyMaster(doc: RxDocument<Sale>, master: Sale): Promise<void> {
    this.#due.acknowledged(doc.id);
    await doc.incrementalModify((current) => ({
      ...current,
      invoiceNo: master.invoiceNo,
      ingestedAt: master.ingestedAt,
      syncState: master.invoiceNo !== null ? 'synced' : master.syncState,
      lastError: master.invoiceNo !== null ? null : master.lastError,
    }));
    if (master.invoiceNo === null) {
      this.#logger.warn(
        { eventId: doc.id, errorCode: master.lastError?.code, localEventId: doc.localEventId },
        master.syncState === 'discarded'
          ? 'sale discarded by an operator'
          : 'sale refused by the cloud',
      );
    }
  }

  /** A failure counted against the sale: its new `syncAttempts`, then its own backoff. */
  async #charge(doc: RxDocument<Sale>, attempts: number, holdMs: number): Promise<void> {
    await doc.incrementalPatch({ syncAttempts: attempts });
    this.#due.hold(doc.id, Date.now() + holdMs);
  }

  async #markNeedsAttention(doc: RxDocument<Sale>, failure: PushFailure): Promise<void> {
    await doc.incrementalModify((current) => ({
      ...current,
      syncState: 'needs_attention',
      syncAttempts: current.syncAttempts + 1,
      lastError: {
        code: failure.code ?? 'POS_SYNC_EVENT_INVALID',
        message: failure.message.slice(0, 2000),
      },
    }));
  }
}

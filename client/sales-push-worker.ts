import Bottleneck from 'bottleneck';
import type { Logger } from 'pino';
import type { MangoQuerySelector, RxCollection, RxDocument } from 'rxdb';
import {
  PUSH_DOCUMENTS,
  classifySaleFailure,
  computeBackoffMs,
  decideSaleRetry,
} from '../replication/index.ts';
import type { Sale } from '../schema/index.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import { SyncRequestError } from './graphql-client.ts';

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

/**
 * Lone pushes failing one after the other (none going through in between) before the worker concludes
 * the cloud is failing, not the sales. Two sales failing alone in a row can be two bad sales; three
 * are taken for an outage. Bounds the requests a round sends while the cloud fails.
 */
const SUSPECTS_BEFORE_BACKOFF = 3;

function asSyncRequestError(error: unknown): SyncRequestError {
  return error instanceof SyncRequestError
    ? error
    : new SyncRequestError(String((error as Error)?.message ?? error), null);
}

/** How the cloud answers a sale it did not book: refused, or discarded by an operator. */
const REFUSED_STATES: ReadonlySet<Sale['syncState']> = new Set(['needs_attention', 'discarded']);

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
 * `terminalId:posId:localEventId`); the worker only guarantees every queued sale is sent until the
 * cloud answers for it:
 * - booked rows come back as nothing: their ingested copy (invoice number) arrives by the sales pull;
 * - a duplicate comes back as the booked copy, a refusal as the sale marked `needs_attention` (or
 *   `discarded`, when an operator already discarded that payload); each is written locally at once;
 * - network failures and rate limiting back off (exponential, full jitter, capped, `retryAfterMs` as a
 *   floor that even a wake-up asking to skip the backoff keeps) and retry forever;
 * - a batch the cloud refused or failed as a whole is retried sale by sale. A retryable server failure
 *   (`POS_SYNC_STORAGE_FAILED`) of a sale pushed alone counts one of its `syncAttempts` (up to the cap,
 *   then `needs_attention`) only when the failure is the sale's: a push of the same round went
 *   through after it, and the sale, sent once more right then, failed again. The failing sale then
 *   waits out its own backoff while the sales behind it go on. Without such evidence (every lone push
 *   fails, the cloud starts failing mid-round, or the sale is alone in the queue) nobody is charged
 *   and, when nothing went through, the whole queue backs off: an outage of the cloud's database,
 *   starting or ending mid-round, does not move sales to `needs_attention`; a sale that fails alone
 *   reaches the cap as other sales go through after it;
 * - an unauthorized or revoked token halts the queue: selling continues offline.
 */
export class SalesPushWorker {
  readonly #sales: RxCollection<Sale>;
  readonly #caller: GraphQLCaller;
  readonly #options: Required<SalesPushWorkerOptions>;
  readonly #events: SalesPushEvents;
  readonly #logger: Logger;
  readonly #limiter: Bottleneck;
  /** Booked by the cloud, waiting for the ingested copy: id → when it was booked. */
  readonly #awaitingAck = new Map<string, number>();
  #failures = 0;
  /**
   * Where the last round stopped in `[syncState, createdAt]` order: the next round reads from there,
   * so sales already sent and waiting for their acknowledgement are not read again on every round
   * (with 10,000 queued sales that re-reading dominated the flush). Reset to the start after a failure
   * and when a round finds nothing further, so nothing is ever skipped for good.
   */
  #cursor: string | null = null;
  /**
   * Sales of this round whose lone push failed with a failure that counts an attempt, not yet charged:
   * sent once more when a later push of the round goes through (`#chargeSuspects`), dropped otherwise.
   */
  #suspects: { doc: RxDocument<Sale>; failure: SyncRequestError }[] = [];
  /** Lone pushes of this round that failed one after the other, none going through since. */
  #failedInRow = 0;
  /** Pushes that went through with evidence that the cloud stores sales (a count over all rounds). */
  #evidence = 0;
  /** `#evidence` when the current round began: more now means a push of this round went through. */
  #evidenceAtRoundStart = 0;
  /**
   * The first sale of a probe the cloud failed: the next one-by-one starts there (the sales before it
   * come last), so a batch with more bad sales than `SUSPECTS_BEFORE_BACKOFF` before its good ones is
   * not retried the same way, and stopped the same way, forever. Used once, by the batch holding it.
   */
  #startAloneAt: string | null = null;
  /** Sales waiting out their own backoff after a charged failure: id → not before (epoch ms). */
  readonly #held = new Map<string, number>();
  #heldTimer: NodeJS.Timeout | undefined;
  #nextRunAt = 0;
  /** The cloud's `retryAfterMs` as a time: no push before it, whatever wakes the worker. */
  #notBefore = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #started = false;
  #halted = false;
  #closed = false;

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
  }

  /** Whether the queue is halted by a token problem. */
  get halted(): boolean {
    return this.#halted;
  }

  /** The cloud acknowledged these by pull; stop tracking them. */
  acknowledge(id: string): void {
    this.#awaitingAck.delete(id);
  }

  /** Starts pushing (the terminal's `start()`); until then sales only queue up. */
  start(): void {
    this.#started = true;
    this.wake();
  }

  /** Push soon: a sale was made, the network came back, or a caller waits for sync. */
  wake(resetBackoff = false): void {
    if (!this.#started || this.#closed || this.#halted) return;
    if (resetBackoff) {
      // Forget the backoff grown from failures, not the cloud's rate-limit hint: the terminal's
      // bucket refills on the cloud's clock whether or not someone waits for sync.
      this.#nextRunAt = this.#notBefore;
      this.#held.clear();
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#running) {
      this.#again = true;
      return;
    }
    const wait = this.#nextRunAt - Date.now();
    if (wait > 0) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
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

  async #runRounds(): Promise<void> {
    for (;;) {
      if (this.#closed || this.#halted || Date.now() < this.#nextRunAt) return;
      let progressed: boolean;
      try {
        progressed = await this.#runRound();
      } catch (error) {
        if (this.#closed) return;
        this.#logger.error({ err: error }, 'push round failed');
        this.#backOff();
        return;
      }
      if (!progressed) {
        this.#wakeWhenDue();
        return;
      }
    }
  }

  /**
   * A held sale or a booked sale without acknowledgement is due again: wake the worker then, even if
   * nothing else happens.
   */
  #wakeWhenDue(): void {
    if (this.#heldTimer) clearTimeout(this.#heldTimer);
    this.#heldTimer = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, until] of this.#held) {
      if (until > now) {
        next = Math.min(next, until);
        continue;
      }
      // Expired after the round that skipped it read its clock: it is due now, nothing else will wake
      // the worker for it.
      this.#held.delete(id);
      next = now;
    }
    // A booked sale whose acknowledgement has not come is pushed again after `ackTimeoutMs`; an
    // entry already past it is forgotten (the sale, if still queued, is due) so it wakes once only.
    for (const [id, bookedAt] of this.#awaitingAck) {
      const due = bookedAt + this.#options.ackTimeoutMs + 1;
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.#awaitingAck.delete(id);
      next = now;
    }
    if (next === Number.POSITIVE_INFINITY || this.#closed) return;
    this.#heldTimer = setTimeout(() => {
      this.#heldTimer = undefined;
      this.wake();
    }, next - now);
  }

  /**
   * One round: up to `concurrency` batches in parallel. Returns whether to go on at once (false:
   * nothing was due, or the round backed off).
   */
  async #runRound(): Promise<boolean> {
    const { batchSize, concurrency, ackTimeoutMs } = this.#options;
    const now = Date.now();
    const wanted = batchSize * concurrency;
    const isDue = (doc: RxDocument<Sale>) => {
      if ((this.#held.get(doc.id) ?? 0) > now) return false;
      const bookedAt = this.#awaitingAck.get(doc.id);
      return bookedAt === undefined || now - bookedAt > ackTimeoutMs;
    };
    let due: RxDocument<Sale>[] = [];
    let wrapped = this.#cursor === null;
    for (let pages = 0; pages < 100 && due.length === 0; pages++) {
      const selector: MangoQuerySelector<Sale> = { syncState: 'queued' };
      if (this.#cursor !== null) selector.createdAt = { $gte: this.#cursor };
      const limit = wanted * 4;
      const page = await this.#sales.find({ selector, sort: [{ createdAt: 'asc' }], limit }).exec();
      due = page.filter(isDue).slice(0, wanted);
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
    if (due.length === 0) return false;
    const batches: RxDocument<Sale>[][] = [];
    for (let i = 0; i < due.length && batches.length < concurrency; i += batchSize) {
      batches.push(due.slice(i, i + batchSize));
    }
    this.#suspects = [];
    this.#failedInRow = 0;
    this.#evidenceAtRoundStart = this.#evidence;
    const results = await Promise.all(
      batches.map((batch) => this.#limiter.schedule(() => this.#pushBatch(batch))),
    );
    return (await this.#settleSuspects()) && results.every(Boolean);
  }

  /**
   * The end of a round with lone failures no push with evidence followed: nothing tells them from
   * the cloud starting to fail (or failing all along, a sale alone in the queue included), so nobody
   * is charged. Without evidence in the whole round the queue backs off. Returns whether to go on.
   */
  async #settleSuspects(): Promise<boolean> {
    if (this.#suspects.length === 0) return true;
    if (this.#evidence > this.#evidenceAtRoundStart) {
      this.#suspects = [];
      return true;
    }
    this.#stopForFailingCloud();
    return false;
  }

  /**
   * Lone failures without evidence that they are the sales' own: the cloud is taken to be failing.
   * Nobody is charged and the queue backs off (unless another push of the round already did).
   */
  #stopForFailingCloud(): void {
    const suspects = this.#suspects;
    this.#suspects = [];
    this.#failedInRow = 0;
    if (this.#nextRunAt > Date.now()) return;
    const last = suspects[suspects.length - 1]?.failure;
    this.#logger.warn(
      { errorCode: last?.code ?? null, sales: suspects.length },
      'the cloud fails the sales pushed alone: backing off, no attempt counted',
    );
    this.#backOff(last?.retryAfterMs);
  }

  /** Counts a failure against a sale: it waits out its own backoff, or needs attention at the cap. */
  async #charge(doc: RxDocument<Sale>, failure: SyncRequestError): Promise<void> {
    const decision = decideSaleRetry(
      failure.code,
      doc.syncAttempts,
      this.#options.maxServerAttempts,
    );
    if (decision.action === 'needs_attention') {
      this.#held.delete(doc.id);
      await this.#markNeedsAttention(doc, failure);
      return;
    }
    const attempts = doc.syncAttempts + 1;
    await doc.incrementalPatch({ syncAttempts: attempts });
    const delay = computeBackoffMs(attempts, {
      baseMs: this.#options.backoffBaseMs,
      capMs: this.#options.backoffCapMs,
      ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    });
    this.#held.set(doc.id, Date.now() + delay);
  }

  /**
   * A push went through with evidence after lone failures of this round. The cloud may just have
   * come back, so each of those sales goes once more, alone, right now: failing again the same way
   * now that the cloud stores other sales, the failure is the sale's own and is charged; going
   * through, it is booked (or refused) like any push; any other failure teaches nothing.
   */
  async #chargeSuspects(): Promise<void> {
    const suspects = this.#suspects;
    this.#suspects = [];
    for (const { doc } of suspects) {
      if (this.#closed || this.#halted) return;
      let conflicts: Sale[];
      try {
        conflicts = await this.#send([doc]);
      } catch (error) {
        const failure = asSyncRequestError(error);
        const decision = classifySaleFailure(failure.code);
        if (decision.action === 'retry' && decision.countsAttempt) await this.#charge(doc, failure);
        else if (decision.action === 'needs_attention')
          await this.#markNeedsAttention(doc, failure);
        continue;
      }
      await this.#applyAnswer([doc], conflicts);
    }
  }

  #send(batch: RxDocument<Sale>[]): Promise<Sale[]> {
    return this.#caller.call<Sale[]>(PUSH_DOCUMENTS.sales, 'pushSales', {
      rows: batch.map((doc) => ({ assumedMasterState: null, newDocumentState: toWire(doc) })),
    });
  }

  /**
   * Pushes one batch; returns false when the worker must stop this round (backoff or halt). A `probe`
   * (see `#pushOneByOne`) that the cloud fails as a whole is not taken apart: it returns false.
   */
  async #pushBatch(batch: RxDocument<Sale>[], probe = false): Promise<boolean> {
    if (this.#closed || this.#halted) return false;
    // Another batch of this round was told to back off (rate limit, outage): this one waits too.
    if (Date.now() < this.#nextRunAt) return false;
    let conflicts: Sale[];
    try {
      conflicts = await this.#send(batch);
    } catch (error) {
      return this.#handleFailure(batch, error, probe);
    }
    // Evidence the cloud stores sales: a row booked or refused now. Duplicates only prove it reads.
    const evidence = await this.#applyAnswer(batch, conflicts);
    if (evidence) {
      this.#failedInRow = 0;
      this.#evidence += 1;
      await this.#chargeSuspects();
    }
    return true;
  }

  /**
   * Writes the cloud's answer to a push: booked rows wait for their ingested copy, duplicates and
   * refusals are written at once. Returns whether the cloud stored something now (a row booked or
   * refused, not only duplicates).
   */
  async #applyAnswer(batch: RxDocument<Sale>[], conflicts: Sale[]): Promise<boolean> {
    this.#failures = 0;
    this.#events.onPushed(new Date());
    const answered = new Map(conflicts.map((c) => [c.id, c]));
    const stored = batch.some((doc) => (answered.get(doc.id)?.invoiceNo ?? null) === null);
    let booked = false;
    for (const doc of batch) {
      const master = answered.get(doc.id);
      if (!master) {
        this.#awaitingAck.set(doc.id, Date.now());
        booked = true;
      } else if (master.invoiceNo !== null || REFUSED_STATES.has(master.syncState)) {
        await this.#applyMaster(doc, master);
      } else {
        this.#awaitingAck.set(doc.id, Date.now());
        booked = true;
      }
    }
    if (booked) this.#events.onBooked();
    return stored;
  }

  /** Writes the cloud's answer for a sale: its booked copy, or the refusal with its error. */
  async #applyMaster(doc: RxDocument<Sale>, master: Sale): Promise<void> {
    this.#awaitingAck.delete(doc.id);
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

  async #handleFailure(
    batch: RxDocument<Sale>[],
    error: unknown,
    probe: boolean,
  ): Promise<boolean> {
    const failure = asSyncRequestError(error);
    const first = batch[0]!;
    // Whether a counted failure reaches the sale's cap is `#charge`'s question, asked only once the
    // failure is known to be the sale's.
    const decision = classifySaleFailure(failure.code);
    this.#logger.warn(
      { errorCode: failure.code, syncAttempt: first.syncAttempts + 1, sales: batch.length },
      `push failed: ${failure.message}`,
    );
    switch (decision.action) {
      case 'halt':
        this.#halted = true;
        this.#events.onAuthLoss(failure.code ?? 'POS_SYNC_UNAUTHORIZED');
        return false;
      case 'acknowledged':
        for (const doc of batch) this.#awaitingAck.set(doc.id, Date.now());
        return true;
      case 'needs_attention':
        if (batch.length > 1) return probe ? false : this.#pushOneByOne(batch);
        await this.#markNeedsAttention(first, failure);
        return true;
      case 'retry':
        if (decision.countsAttempt) {
          if (batch.length > 1) return probe ? false : this.#pushOneByOne(batch);
          // Charged only with evidence that the failure is the sale's: a push with evidence after it,
          // then the sale failing again alone (`#chargeSuspects`). Not on earlier evidence: the cloud
          // may have just started failing.
          this.#suspects.push({ doc: first, failure });
          this.#failedInRow += 1;
          return true;
        }
        this.#backOff(failure.retryAfterMs);
        return false;
    }
  }

  /**
   * The cloud failed a whole batch without saying which sale is at fault: find the culprit one sale at
   * a time, so a failure counts only against the sale that failed alone and the others go through.
   * After `SUSPECTS_BEFORE_BACKOFF` lone failures in a row (bad sales, or the cloud failing every
   * sale) the rest of the batch goes once, without them, as a probe: if it goes through, the failed
   * sales are sent once more (`#chargeSuspects`) and the round goes on; if not, the cloud is failing:
   * nobody is charged, the queue backs off, and the next round starts its lone pushes at that probe's
   * first sale. A round during an outage costs a few requests, not one per sale. Stops at the first
   * push that backs off (the way to the cloud fails).
   */
  async #pushOneByOne(batch: RxDocument<Sale>[]): Promise<boolean> {
    const found = batch.findIndex((doc) => doc.id === this.#startAloneAt);
    if (found >= 0) this.#startAloneAt = null;
    const start = Math.max(0, found);
    const alone = [...batch.slice(start), ...batch.slice(0, start)];
    for (const [i, doc] of alone.entries()) {
      if (!(await this.#pushBatch([doc]))) return false;
      if (this.#failedInRow < SUSPECTS_BEFORE_BACKOFF) continue;
      const rest = alone.slice(i + 1);
      const evidence = this.#evidence;
      if (rest.length > 0 && (await this.#pushBatch(rest, true)) && this.#evidence > evidence) {
        return true;
      }
      if (rest.length > 0) this.#startAloneAt = rest[0]!.id;
      this.#stopForFailingCloud();
      return false;
    }
    return true;
  }

  async #markNeedsAttention(doc: RxDocument<Sale>, failure: SyncRequestError): Promise<void> {
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

  #backOff(retryAfterMs?: number): void {
    if (this.#closed) return;
    this.#failures += 1;
    this.#cursor = null;
    const delay = computeBackoffMs(this.#failures, {
      baseMs: this.#options.backoffBaseMs,
      capMs: this.#options.backoffCapMs,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    const now = Date.now();
    this.#nextRunAt = now + delay;
    if (retryAfterMs !== undefined) this.#notBefore = now + retryAfterMs;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.wake();
    }, delay);
  }

  /** Stops pushing; a push in flight finishes (its answer is written) before this resolves. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#heldTimer) clearTimeout(this.#heldTimer);
    await this.#running;
    await this.#limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}

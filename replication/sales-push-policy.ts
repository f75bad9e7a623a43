import type { Backoff } from './retry-policy.ts';
import { classifySaleFailure, decideSaleRetry } from './retry-policy.ts';

/**
 * Lone pushes failing one after the other (none storing a sale in between) before the cloud, not the
 * sales, is taken to be failing. Two lone failures in a row can be two bad sales; three are taken for
 * an outage. Bounds the requests a round sends while the cloud fails.
 */
export const LONE_FAILURES_BEFORE_PROBE = 3;

/** A queued sale as the policy sees it: its id and the attempts already counted (`syncAttempts`). */
export type PushSale = { readonly id: string; readonly attempts: number };

/** A failed push: the cloud's error code (null for a network failure) and its retry hint. */
export type PushFailure = {
  readonly code: string | null;
  readonly message: string;
  readonly retryAfterMs?: number | undefined;
};

/** A lone failure that counts an attempt, not charged yet: nothing tells it from a failing cloud. */
export type PushSuspect = { readonly sale: PushSale; readonly failure: PushFailure };

/**
 * The push of a lane: its whole batch, one of its sales alone (`index` in `sales`), or the rest of
 * the batch from `from` as a probe after lone failures in a row.
 */
export type LanePush =
  | { readonly kind: 'batch' }
  | { readonly kind: 'alone'; readonly index: number }
  | { readonly kind: 'probe'; readonly from: number; readonly storedPushesBefore: number };

/**
 * One batch of a round and its way through the cloud's answers. `status` is the lane's push: `due`
 * (to send), `sent`, `went` (answered: the lane goes on), `stopped` (the lane stops, or the probe
 * failed), or the lane `ended`.
 */
export type PushLane = {
  /** The batch, in the order its sales go alone once the batch failed as a whole. */
  readonly sales: readonly PushSale[];
  readonly push: LanePush;
  readonly status: 'due' | 'sent' | 'went' | 'stopped' | 'ended';
  /** Suspects taken by a push of this lane that stored a sale: each goes once more, alone, first. */
  readonly resends: readonly PushSuspect[];
  /** The suspect sent once more right now. */
  readonly resending: PushSuspect | null;
};

/** What the policy needs besides its state. */
export type SalesPushSettings = {
  /** Counted failures of one sale before it goes to `needs_attention`. */
  readonly maxServerAttempts: number;
  /** Delay before retry `attempt`, at least the cloud's `retryAfterMs`. */
  readonly backoff: Backoff;
};

/** Everything the push worker knows between events; never mutated, `decideSalesPush` returns the next. */
export type SalesPushState = {
  readonly settings: SalesPushSettings;
  readonly started: boolean;
  readonly closed: boolean;
  /** The token was refused: no push until an operator re-registers the terminal. */
  readonly halted: boolean;
  /** Queue backoffs since a push was last answered: the attempt number of the next one. */
  readonly queueBackoffs: number;
  /** The queue's backoff: no push before this time (epoch ms). */
  readonly pausedUntil: number;
  /** The cloud's `retryAfterMs` as a time: a wake-up that cuts the backoff short still waits for it. */
  readonly rateLimitedUntil: number;
  /** Pushes that stored a sale (booked or refused it now), over all rounds: evidence the cloud works. */
  readonly storedPushes: number;
  /** Lone pushes failing one after the other since a push last stored a sale. */
  readonly loneFailuresInRow: number;
  /** Lone failures of this round that count an attempt, waiting for evidence (see the rules). */
  readonly suspects: readonly PushSuspect[];
  /** The first sale of the last probe the cloud failed: the next batch holding it goes alone from it. */
  readonly startAloneAt: string | null;
  /** Rounds started so far: names the current one. */
  readonly rounds: number;
  readonly round: {
    readonly number: number;
    readonly storedPushesAtStart: number;
    /** False once a lane stopped: the worker waits for a wake-up instead of starting the next round. */
    readonly goOn: boolean;
    readonly lanes: readonly PushLane[];
  } | null;
};

/** Which lane of which round an event is about. */
export type LaneRef = { readonly round: number; readonly lane: number };

/** What happens to the worker. `now` is the clock (epoch ms) when it happens. */
export type SalesPushEvent =
  | { readonly type: 'start' }
  | { readonly type: 'close' }
  /** Someone waits for sync or the network came back: cut the backoff grown from failures short. */
  | { readonly type: 'resetBackoff' }
  /** The due sales of a round, split into batches (one lane each). */
  | { readonly type: 'roundStarted'; readonly batches: readonly (readonly PushSale[])[] }
  /** A lane asks what to send next. */
  | ({ readonly type: 'next'; readonly now: number } & LaneRef)
  /** The cloud answered a push: `duplicates` of its `sales` were answered with their booked copy. */
  | ({ readonly type: 'answered'; readonly sales: number; readonly duplicates: number } & LaneRef)
  /** A push failed (the cloud's error or the network's). */
  | ({ readonly type: 'failed'; readonly failure: PushFailure; readonly now: number } & LaneRef)
  /** Every lane of the round ended. */
  | { readonly type: 'roundEnded'; readonly now: number }
  /** The round threw (the terminal's own database failed). */
  | { readonly type: 'roundFailed'; readonly now: number };

/** What the worker must do. */
export type SalesPushAction =
  /** Push these sales of the lane (`resend`: a suspect sent once more). */
  | { readonly type: 'send'; readonly ids: readonly string[]; readonly resend: boolean }
  /** The cloud has these sales (a duplicate answer): wait for their ingested copy by pull. */
  | { readonly type: 'awaitAck'; readonly ids: readonly string[] }
  /** Count the failure against the sale (`attempts` is its new `syncAttempts`); hold it for `holdMs`. */
  | {
      readonly type: 'charge';
      readonly id: string;
      readonly attempts: number;
      readonly holdMs: number;
    }
  /** The sale gives up: `needs_attention` with this failure as its error, one more attempt counted. */
  | { readonly type: 'needsAttention'; readonly id: string; readonly failure: PushFailure }
  /** The whole queue waits `delayMs` (`failingCloud`: lone failures without evidence caused it). */
  | {
      readonly type: 'backOff';
      readonly delayMs: number;
      readonly failingCloud?: { readonly errorCode: string | null; readonly sales: number };
    }
  /** Forget the sales' own backoffs (a wake-up that cuts the backoff short). */
  | { readonly type: 'forgetHolds' }
  /** The token was refused: tell the terminal. */
  | { readonly type: 'halt'; readonly code: string }
  /** The round went well: start the next one at once. */
  | { readonly type: 'nextRound' };

/** The next state and what to do. */
export type SalesPushDecision = { state: SalesPushState; actions: SalesPushAction[] };

/** The state of a new worker. */
export function initialSalesPushState(settings: SalesPushSettings): SalesPushState {
  return {
    settings,
    started: false,
    closed: false,
    halted: false,
    queueBackoffs: 0,
    pausedUntil: 0,
    rateLimitedUntil: 0,
    storedPushes: 0,
    loneFailuresInRow: 0,
    suspects: [],
    startAloneAt: null,
    rounds: 0,
    round: null,
  };
}

/** Whether the worker may push at `now` (started, not closed or halted, not backing off). */
export function mayPush(state: SalesPushState, now: number): boolean {
  return state.started && !state.closed && !state.halted && now >= state.pausedUntil;
}

type Draft = { -readonly [K in keyof SalesPushState]: SalesPushState[K] };
type Step = { s: Draft; actions: SalesPushAction[] };

/**
 * The push worker's policy. A pure function: the worker performs the actions and reports what
 * happened as the next event. The rules, each a row of `sales-push-policy.test.ts`:
 *
 * 1. A round pushes up to `concurrency` batches of due sales in parallel, one lane each.
 * 2. An answer resets the queue's backoff. Booked rows wait for their ingested copy by pull; a
 *    duplicate comes back as the booked copy and a refusal as the sale marked `needs_attention` (or
 *    `discarded`), written at once. A push storing a sale (booking or refusing one) is evidence that
 *    the cloud works; an answer of duplicates only proves it reads.
 * 3. A network failure or `POS_SYNC_RATE_LIMITED` backs the whole queue off (exponential, full
 *    jitter, capped, `retryAfterMs` as a floor that a wake-up cutting the backoff short still keeps)
 *    and retries forever; the lanes of the round stop at their next push.
 * 4. `POS_SYNC_UNAUTHORIZED` / `POS_TERMINAL_REVOKED` halt the queue: selling goes on offline.
 * 5. `POS_SYNC_EVENT_DUPLICATE` is an acknowledgement: the sales wait for their copy by pull.
 * 6. A batch the cloud refused or failed as a whole goes sale by sale, starting at `startAloneAt`
 *    when the batch holds it, so one bad sale charges the others nothing.
 * 7. A lone sale refused (non-retryable) goes to `needs_attention` at once.
 * 8. A lone sale failing with a retryable server failure (`POS_SYNC_STORAGE_FAILED`) is a suspect,
 *    not charged: the cloud may have just started failing.
 * 9. When a later push stores a sale, each suspect goes once more, alone, right away: failing again
 *    the same way now that the cloud stores other sales, the failure is the sale's own and counts one
 *    of its attempts (at `maxServerAttempts`, `needs_attention`); the sale then waits out its own
 *    backoff while the sales behind it go on. Going through, it is booked like any push; any other
 *    failure teaches nothing.
 * 10. After `LONE_FAILURES_BEFORE_PROBE` lone failures in a row, the rest of the batch goes once, as
 *    a probe. Storing a sale, it lets the lane go on (the suspects went once more, rule 9). Failing,
 *    the cloud is taken to be failing (rule 11) and the next round's lone pushes start at the probe's
 *    first sale, so bad sales at the head do not hold back good ones forever.
 * 11. A failing cloud charges nobody: the suspects are dropped and the queue backs off (unless it
 *    already does). An outage starting or ending mid-round never moves sales to `needs_attention`.
 * 12. A round ending with suspects and no push of the round that stored a sale (every lone push
 *    failed, or the sale is alone in the queue) is a failing cloud too (rule 11). With such a push,
 *    the suspects are dropped: they come due again with the next round.
 * 13. A round whose lanes all went on is followed by the next at once; otherwise the worker waits
 *    for a wake-up (a sale made, the network back, a held sale due, the backoff over).
 * 14. A wake-up asking to cut the backoff short forgets the backoff grown from failures and the
 *    sales' own holds, not the cloud's `retryAfterMs`.
 * 15. A round that throws (the terminal's own database) backs the queue off and stops its lanes.
 */
export function decideSalesPush(state: SalesPushState, event: SalesPushEvent): SalesPushDecision {
  const step: Step = { s: { ...state }, actions: [] };
  const { s } = step;
  switch (event.type) {
    case 'start':
      s.started = true;
      break;
    case 'close':
      s.closed = true;
      break;
    case 'resetBackoff':
      s.pausedUntil = s.rateLimitedUntil;
      step.actions.push({ type: 'forgetHolds' });
      break;
    case 'roundStarted':
      s.rounds += 1;
      s.suspects = [];
      s.loneFailuresInRow = 0;
      s.round = {
        number: s.rounds,
        storedPushesAtStart: s.storedPushes,
        goOn: true,
        lanes: event.batches.map((sales) => ({
          sales,
          push: { kind: 'batch' },
          status: 'due',
          resends: [],
          resending: null,
        })),
      };
      break;
    case 'next':
      nextPush(step, event, event.now);
      break;
    case 'answered':
      onAnswered(step, event);
      break;
    case 'failed':
      onFailed(step, event);
      break;
    case 'roundEnded':
      onRoundEnded(step, event.now);
      break;
    case 'roundFailed':
      s.round = null;
      backOff(step, event.now, undefined);
      break;
  }
  return { state: s, actions: step.actions };
}

/** The lane an event names, while its round runs. */
function laneOf({ s }: Step, ref: LaneRef): PushLane | undefined {
  return s.round?.number === ref.round ? s.round.lanes[ref.lane] : undefined;
}

function setLane({ s }: Step, ref: LaneRef, lane: PushLane): void {
  if (s.round?.number !== ref.round) return;
  const lanes = [...s.round.lanes];
  lanes[ref.lane] = lane;
  s.round = { ...s.round, lanes };
}

/** The lane is done; `goOn` false keeps the round from being followed by the next at once. */
function endLane(step: Step, ref: LaneRef, lane: PushLane, goOn: boolean): void {
  setLane(step, ref, { ...lane, status: 'ended', resends: [] });
  const { s } = step;
  if (!goOn && s.round) s.round = { ...s.round, goOn: false };
}

/** The sales a lane's push sends. */
function salesOf(lane: PushLane): readonly PushSale[] {
  switch (lane.push.kind) {
    case 'batch':
      return lane.sales;
    case 'alone':
      return [lane.sales[lane.push.index]!];
    case 'probe':
      return lane.sales.slice(lane.push.from);
  }
}

/** Rules 9, 10 and the order of a lane: suspects first, then its push or what follows it. */
function nextPush(step: Step, ref: LaneRef, now: number): void {
  const { s } = step;
  for (let lane = laneOf(step, ref); lane && lane.status !== 'ended'; lane = laneOf(step, ref)) {
    if (lane.resending !== null || lane.status === 'sent') return;
    if (lane.resends.length > 0) {
      if (s.closed || s.halted) {
        setLane(step, ref, { ...lane, resends: [] });
        continue;
      }
      const [suspect, ...rest] = lane.resends;
      setLane(step, ref, { ...lane, resends: rest, resending: suspect! });
      step.actions.push({ type: 'send', ids: [suspect!.sale.id], resend: true });
      return;
    }
    if (lane.status === 'due') {
      if (!mayPush(s, now)) {
        setLane(step, ref, { ...lane, status: 'stopped' });
        continue;
      }
      setLane(step, ref, { ...lane, status: 'sent' });
      step.actions.push({ type: 'send', ids: salesOf(lane).map((sale) => sale.id), resend: false });
      return;
    }
    followPush(step, ref, lane, lane.status === 'went', now);
  }
}

/** What follows a lane's push once it is over (`went`: the lane may go on). */
function followPush(step: Step, ref: LaneRef, lane: PushLane, went: boolean, now: number): void {
  const { s } = step;
  const { push } = lane;
  switch (push.kind) {
    case 'batch':
      endLane(step, ref, lane, went);
      return;
    case 'alone': {
      if (!went) return endLane(step, ref, lane, false);
      const next = push.index + 1;
      if (s.loneFailuresInRow < LONE_FAILURES_BEFORE_PROBE) {
        if (next < lane.sales.length) {
          setLane(step, ref, { ...lane, push: { kind: 'alone', index: next }, status: 'due' });
        } else {
          endLane(step, ref, lane, true);
        }
        return;
      }
      if (next < lane.sales.length) {
        const probe = { kind: 'probe', from: next, storedPushesBefore: s.storedPushes } as const;
        setLane(step, ref, { ...lane, push: probe, status: 'due' });
        return;
      }
      stopForFailingCloud(step, now);
      return endLane(step, ref, lane, false);
    }
    case 'probe':
      if (went && s.storedPushes > push.storedPushesBefore) return endLane(step, ref, lane, true);
      s.startAloneAt = lane.sales[push.from]!.id;
      stopForFailingCloud(step, now);
      return endLane(step, ref, lane, false);
  }
}

/** Rule 2 (and rule 9 for a suspect sent once more and going through). */
function onAnswered(step: Step, event: LaneRef & { sales: number; duplicates: number }): void {
  const { s } = step;
  s.queueBackoffs = 0;
  const lane = laneOf(step, event);
  if (lane?.resending) {
    setLane(step, event, { ...lane, resending: null });
    return;
  }
  const stored = event.duplicates < event.sales;
  if (stored) {
    s.loneFailuresInRow = 0;
    s.storedPushes += 1;
  }
  if (lane?.status !== 'sent') return;
  setLane(step, event, { ...lane, status: 'went', resends: stored ? s.suspects : [] });
  if (stored) s.suspects = [];
}

/**
 * Rules 3 to 8, and rule 9 for a suspect sent once more and failing. A failure of a round already
 * over (it threw, rule 15) is ignored: the queue backs off already, and the sale comes again.
 */
function onFailed(step: Step, event: LaneRef & { failure: PushFailure; now: number }): void {
  const { s, actions } = step;
  const { failure } = event;
  const lane = laneOf(step, event);
  if (lane?.resending) {
    setLane(step, event, { ...lane, resending: null });
    chargeIfOwn(step, lane.resending, failure);
    return;
  }
  if (lane?.status !== 'sent') return;
  const setStatus = (status: 'went' | 'stopped') => setLane(step, event, { ...lane, status });
  const sales = salesOf(lane);
  const kind = classifySaleFailure(failure.code);
  switch (kind.action) {
    case 'halt':
      s.halted = true;
      actions.push({ type: 'halt', code: failure.code ?? 'POS_SYNC_UNAUTHORIZED' });
      return setStatus('stopped');
    case 'acknowledged':
      actions.push({ type: 'awaitAck', ids: sales.map((sale) => sale.id) });
      return setStatus('went');
    case 'needs_attention':
    case 'retry': {
      if (kind.action === 'retry' && !kind.countsAttempt) {
        backOff(step, event.now, failure.retryAfterMs);
        return setStatus('stopped');
      }
      if (sales.length > 1) {
        // A probe failed as a whole is not taken apart: the cloud is failing (rule 10).
        if (lane.push.kind === 'probe') return setStatus('stopped');
        return goAlone(step, event, lane);
      }
      if (kind.action === 'needs_attention') {
        actions.push({ type: 'needsAttention', id: sales[0]!.id, failure });
      } else {
        s.suspects = [...s.suspects, { sale: sales[0]!, failure }];
        s.loneFailuresInRow += 1;
      }
      return setStatus('went');
    }
  }
}

/** Rule 6: the batch goes sale by sale, from `startAloneAt` when it holds that sale. */
function goAlone(step: Step, ref: LaneRef, lane: PushLane): void {
  const { s } = step;
  const found = lane.sales.findIndex((sale) => sale.id === s.startAloneAt);
  if (found >= 0) s.startAloneAt = null;
  const start = Math.max(0, found);
  const sales = [...lane.sales.slice(start), ...lane.sales.slice(0, start)];
  setLane(step, ref, { ...lane, sales, push: { kind: 'alone', index: 0 }, status: 'due' });
}

/** Rule 9: a suspect sent once more failed again. */
function chargeIfOwn({ s, actions }: Step, suspect: PushSuspect, failure: PushFailure): void {
  const { sale } = suspect;
  const kind = classifySaleFailure(failure.code);
  if (kind.action === 'needs_attention') {
    actions.push({ type: 'needsAttention', id: sale.id, failure });
    return;
  }
  if (kind.action !== 'retry' || !kind.countsAttempt) return;
  const { maxServerAttempts, backoff } = s.settings;
  if (
    decideSaleRetry(failure.code, sale.attempts, maxServerAttempts).action === 'needs_attention'
  ) {
    actions.push({ type: 'needsAttention', id: sale.id, failure });
    return;
  }
  const attempts = sale.attempts + 1;
  actions.push({
    type: 'charge',
    id: sale.id,
    attempts,
    holdMs: backoff(attempts, failure.retryAfterMs),
  });
}

/** Rule 12, then rule 13. */
function onRoundEnded(step: Step, now: number): void {
  const { s } = step;
  let goOn = s.round?.goOn ?? false;
  if (s.suspects.length > 0) {
    if (s.storedPushes > (s.round?.storedPushesAtStart ?? s.storedPushes)) {
      s.suspects = [];
    } else {
      stopForFailingCloud(step, now);
      goOn = false;
    }
  }
  s.round = null;
  if (goOn) step.actions.push({ type: 'nextRound' });
}

/** Rule 11. */
function stopForFailingCloud(step: Step, now: number): void {
  const { s } = step;
  const suspects = s.suspects;
  s.suspects = [];
  s.loneFailuresInRow = 0;
  if (s.pausedUntil > now) return;
  const last = suspects[suspects.length - 1]?.failure;
  backOff(step, now, last?.retryAfterMs, {
    errorCode: last?.code ?? null,
    sales: suspects.length,
  });
}

/** Rules 3 and 14: the queue waits; `retryAfterMs` is kept apart as a floor nothing cuts short. */
function backOff(
  { s, actions }: Step,
  now: number,
  retryAfterMs: number | undefined,
  failingCloud?: { errorCode: string | null; sales: number },
): void {
  if (s.closed) return;
  s.queueBackoffs += 1;
  const delayMs = s.settings.backoff(s.queueBackoffs, retryAfterMs);
  s.pausedUntil = now + delayMs;
  if (retryAfterMs !== undefined) s.rateLimitedUntil = now + retryAfterMs;
  actions.push({ type: 'backOff', delayMs, ...(failingCloud ? { failingCloud } : {}) });
}

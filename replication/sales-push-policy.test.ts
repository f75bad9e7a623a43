import { describe, expect, it } from 'vitest';
import { createBackoff } from './retry-policy.ts';
import type {
  PushFailure,
  SalesPushAction,
  SalesPushEvent,
  SalesPushState,
} from './sales-push-policy.ts';
import { decideSalesPush, initialSalesPushState, mayPush } from './sales-push-policy.ts';

const NOW = 100_000;
const settings = {
  maxServerAttempts: 3,
  backoff: createBackoff({ baseMs: 100, capMs: 1000, jitter: 'none' }),
};
const storage: PushFailure = { code: 'POS_SYNC_STORAGE_FAILED', message: 'disk full' };
const network: PushFailure = { code: null, message: 'fetch failed' };
const limited: PushFailure = { code: 'POS_SYNC_RATE_LIMITED', message: 'slow', retryAfterMs: 700 };
const invalid: PushFailure = { code: 'POS_SYNC_EVENT_INVALID', message: 'totals' };
const duplicate: PushFailure = { code: 'POS_SYNC_EVENT_DUPLICATE', message: 'known' };
const revoked: PushFailure = { code: 'POS_TERMINAL_REVOKED', message: 'revoked' };

/** A round of batches of sale ids (`id:n` has `n` attempts counted). */
const round = (...batches: string[][]): SalesPushEvent => ({
  type: 'roundStarted',
  batches: batches.map((ids) =>
    ids.map((id) => ({ id: id.split(':')[0]!, attempts: Number(id.split(':')[1] ?? 0) })),
  ),
});
const next = (lane = 0): SalesPushEvent => ({ type: 'next', round: 1, lane, now: NOW });
const ok = (sales: number, lane = 0, duplicates = 0): SalesPushEvent => ({
  type: 'answered',
  round: 1,
  lane,
  sales,
  duplicates,
});
const fail = (failure: PushFailure, lane = 0): SalesPushEvent => ({
  type: 'failed',
  round: 1,
  lane,
  failure,
  now: NOW,
});
const ended: SalesPushEvent = { type: 'roundEnded', now: NOW };
const send = (...ids: string[]): SalesPushAction => ({ type: 'send', ids, resend: false });
const resend = (id: string): SalesPushAction => ({ type: 'send', ids: [id], resend: true });
const failingCloud = (errorCode: string | null, sales: number, delayMs = 100) => ({
  type: 'backOff' as const,
  delayMs,
  failingCloud: { errorCode, sales },
});

type Row = {
  rule: string;
  /** The state before the events: a started worker with these fields. */
  given?: Partial<SalesPushState>;
  events: SalesPushEvent[];
  /** Every action of every event, in order. */
  actions: SalesPushAction[];
  state?: Record<string, unknown>;
};

function run(given: Partial<SalesPushState>, events: SalesPushEvent[]) {
  let state: SalesPushState = { ...initialSalesPushState(settings), started: true, ...given };
  const actions: SalesPushAction[] = [];
  for (const event of events) {
    const decision = decideSalesPush(state, event);
    state = decision.state;
    actions.push(...decision.actions);
  }
  return { state, actions };
}

const rows: Row[] = [
  {
    rule: '1. a round pushes each of its batches in a lane of its own',
    events: [round(['a', 'b'], ['c']), next(0), next(1)],
    actions: [send('a', 'b'), send('c')],
  },
  {
    rule: '13. a round whose lanes all went on is followed by the next at once',
    events: [
      round(['a', 'b'], ['c']),
      next(0),
      next(1),
      ok(2, 0),
      ok(1, 1),
      next(0),
      next(1),
      ended,
    ],
    actions: [send('a', 'b'), send('c'), { type: 'nextRound' }],
    state: { round: null },
  },
  {
    rule: '2. an answer resets the queue backoff and, storing a sale, counts as evidence',
    given: { queueBackoffs: 4, storedPushes: 7 },
    events: [
      round(['a', 'b'], ['c', 'd']),
      next(0),
      next(1),
      fail(storage, 0),
      next(0),
      fail(storage, 0),
      ok(2, 1, 1),
    ],
    actions: [send('a', 'b'), send('c', 'd'), send('a')],
    state: { queueBackoffs: 0, loneFailuresInRow: 0, storedPushes: 8 },
  },
  {
    rule: '2. an answer of duplicates only is no evidence: it proves the cloud reads, not that it stores',
    given: { queueBackoffs: 4, storedPushes: 7 },
    events: [
      round(['a', 'b'], ['c', 'd']),
      next(0),
      next(1),
      fail(storage, 0),
      next(0),
      fail(storage, 0),
      ok(2, 1, 2),
      next(1),
    ],
    actions: [send('a', 'b'), send('c', 'd'), send('a')],
    state: { queueBackoffs: 0, loneFailuresInRow: 1, storedPushes: 7 },
  },
  {
    rule: '3. a network failure backs the whole queue off and the lane stops; no attempt counted',
    events: [round(['a', 'b']), next(), fail(network), next(), ended],
    actions: [send('a', 'b'), { type: 'backOff', delayMs: 100 }],
    state: { queueBackoffs: 1, pausedUntil: NOW + 100, suspects: [] },
  },
  {
    rule: '3. the queue backoff grows exponentially with the backoffs in a row, up to the cap',
    given: { queueBackoffs: 2 },
    events: [round(['a']), next(), fail(network)],
    actions: [send('a'), { type: 'backOff', delayMs: 400 }],
    state: { queueBackoffs: 3 },
  },
  {
    rule: '3. rate limiting waits at least retryAfterMs, kept apart as a floor',
    events: [round(['a']), next(), fail(limited)],
    actions: [send('a'), { type: 'backOff', delayMs: 700 }],
    state: { pausedUntil: NOW + 700, rateLimitedUntil: NOW + 700 },
  },
  {
    rule: '3. the other lane of the round stops at its next push while the queue backs off',
    events: [
      round(['a', 'b'], ['c', 'd']),
      next(0),
      next(1),
      fail(network, 0),
      fail(storage, 1),
      next(1),
      next(0),
      ended,
    ],
    actions: [send('a', 'b'), send('c', 'd'), { type: 'backOff', delayMs: 100 }],
  },
  {
    rule: '4. a revoked or unknown token halts the queue',
    events: [round(['a', 'b'], ['c']), next(0), next(1), fail(revoked, 0), ok(1, 1), next(1)],
    actions: [send('a', 'b'), send('c'), { type: 'halt', code: 'POS_TERMINAL_REVOKED' }],
    state: { halted: true },
  },
  {
    rule: '5. a duplicate failure is an acknowledgement: the sales wait for their copy by pull',
    events: [round(['a', 'b']), next(), fail(duplicate), next(), ended],
    actions: [send('a', 'b'), { type: 'awaitAck', ids: ['a', 'b'] }, { type: 'nextRound' }],
  },
  {
    rule: '6. a batch failed as a whole goes sale by sale',
    events: [round(['a', 'b', 'c']), next(), fail(invalid), next(), ok(1), next(), ok(1), next()],
    actions: [send('a', 'b', 'c'), send('a'), send('b'), send('c')],
  },
  {
    rule: '6. ... starting at the first sale of the probe that failed last',
    given: { startAloneAt: 'c' },
    events: [round(['a', 'b', 'c', 'd']), next(), fail(storage), next(), ok(1), next()],
    actions: [send('a', 'b', 'c', 'd'), send('c'), send('d')],
    state: { startAloneAt: null },
  },
  {
    rule: '7. a lone sale refused goes to needs_attention at once, and the next goes on',
    events: [round(['a', 'b']), next(), fail(invalid), next(), fail(invalid), next()],
    actions: [
      send('a', 'b'),
      send('a'),
      { type: 'needsAttention', id: 'a', failure: invalid },
      send('b'),
    ],
  },
  {
    rule: '8. a lone storage failure makes the sale a suspect, not charged',
    events: [round(['a:1', 'b']), next(), fail(storage), next(), fail(storage)],
    actions: [send('a', 'b'), send('a')],
    state: {
      suspects: [{ sale: { id: 'a', attempts: 1 }, failure: storage }],
      loneFailuresInRow: 1,
    },
  },
  {
    rule: '9. a push storing a sale sends the suspects once more; failing again, one is charged',
    events: [
      round(['a:1', 'b']),
      next(),
      fail(storage),
      next(),
      fail(storage),
      next(),
      ok(1),
      next(),
      fail(storage),
      next(),
      ended,
    ],
    actions: [
      send('a', 'b'),
      send('a'),
      send('b'),
      resend('a'),
      { type: 'charge', id: 'a', attempts: 2, holdMs: 200 },
      { type: 'nextRound' },
    ],
    state: { suspects: [] },
  },
  {
    rule: '9. a sale one short of its cap failing alone in the queue is never charged',
    events: [round(['a:2']), next(), fail(storage), next(), ended],
    actions: [send('a'), failingCloud('POS_SYNC_STORAGE_FAILED', 1)],
    state: { suspects: [] },
  },
  {
    rule: '9. ... and goes to needs_attention when, sent once more after a push that stored, it fails again',
    events: [
      round(['a:2', 'b']),
      next(),
      fail(storage),
      next(),
      fail(storage),
      next(),
      ok(1),
      next(),
      fail(storage),
    ],
    actions: [
      send('a', 'b'),
      send('a'),
      send('b'),
      resend('a'),
      { type: 'needsAttention', id: 'a', failure: storage },
    ],
  },
  {
    rule: '9. a suspect sent once more that goes through was the cloud failing: nobody charged',
    events: [
      round(['a', 'b']),
      next(),
      fail(storage),
      next(),
      fail(storage),
      next(),
      ok(1),
      next(),
      ok(1),
      next(),
      ended,
    ],
    actions: [send('a', 'b'), send('a'), send('b'), resend('a'), { type: 'nextRound' }],
  },
  {
    rule: '9. a suspect sent once more that fails otherwise (network) teaches nothing',
    events: [
      round(['a', 'b']),
      next(),
      fail(storage),
      next(),
      fail(storage),
      next(),
      ok(1),
      next(),
      fail(network),
    ],
    actions: [send('a', 'b'), send('a'), send('b'), resend('a')],
  },
  {
    rule: '9. the suspects of another lane go once more with the lane whose push stored a sale',
    events: [
      round(['a', 'b'], ['c']),
      next(0),
      next(1),
      fail(storage, 0),
      next(0),
      fail(storage, 0),
      ok(1, 1),
      next(1),
    ],
    actions: [send('a', 'b'), send('c'), send('a'), resend('a')],
  },
  {
    rule: '10. after three lone failures in a row the rest of the batch goes once, as a probe',
    events: [
      round(['a', 'b', 'c', 'd', 'e']),
      next(),
      fail(storage),
      next(),
      fail(storage),
      next(),
      fail(storage),
      next(),
      fail(storage),
      next(),
    ],
    actions: [send('a', 'b', 'c', 'd', 'e'), send('a'), send('b'), send('c'), send('d', 'e')],
    state: { loneFailuresInRow: 3 },
  },
  {
    rule: '10. a probe storing a sale: the suspects go once more and the lane goes on',
    events: [
      round(['a', 'b', 'c', 'd', 'e']),
      next(),
      fail(storage),
      ...[1, 2, 3].flatMap(() => [next(), fail(storage)]),
      next(),
      ok(2),
      next(),
      ok(1),
      next(),
      ok(1),
      next(),
      ok(1),
      next(),
      ended,
    ],
    actions: [
      send('a', 'b', 'c', 'd', 'e'),
      send('a'),
      send('b'),
      send('c'),
      send('d', 'e'),
      resend('a'),
      resend('b'),
      resend('c'),
      { type: 'nextRound' },
    ],
  },
  {
    rule: '10. a probe failing: the cloud is failing, the next round starts alone at its first sale',
    events: [
      round(['a', 'b', 'c', 'd', 'e']),
      next(),
      fail(storage),
      ...[1, 2, 3].flatMap(() => [next(), fail(storage)]),
      next(),
      fail(storage),
      next(),
      ended,
    ],
    actions: [
      send('a', 'b', 'c', 'd', 'e'),
      send('a'),
      send('b'),
      send('c'),
      send('d', 'e'),
      failingCloud('POS_SYNC_STORAGE_FAILED', 3),
    ],
    state: { startAloneAt: 'd', suspects: [], loneFailuresInRow: 0, pausedUntil: NOW + 100 },
  },
  {
    rule: '10. three lone failures with nothing left to probe: the cloud is failing',
    events: [
      round(['a', 'b', 'c']),
      next(),
      fail(storage),
      ...[1, 2, 3].flatMap(() => [next(), fail(storage)]),
      next(),
    ],
    actions: [
      send('a', 'b', 'c'),
      send('a'),
      send('b'),
      send('c'),
      failingCloud('POS_SYNC_STORAGE_FAILED', 3),
    ],
    state: { startAloneAt: null, suspects: [] },
  },
  {
    rule: '11. a failing cloud charges nobody and does not back off again while the queue waits',
    given: { pausedUntil: NOW + 5000 },
    events: [
      round(['a', 'b', 'c']),
      { type: 'next', round: 1, lane: 0, now: NOW + 5000 },
      fail(storage),
      ...[1, 2, 3].flatMap(() => [
        { type: 'next', round: 1, lane: 0, now: NOW + 5000 } as const,
        fail(storage),
      ]),
      next(),
    ],
    actions: [send('a', 'b', 'c'), send('a'), send('b'), send('c')],
    state: { suspects: [], pausedUntil: NOW + 5000, queueBackoffs: 0 },
  },
  {
    rule: '12. a round ending with suspects and nothing stored: the cloud is failing (a sale alone in the queue)',
    events: [round(['a']), next(), fail(storage), next(), ended],
    actions: [send('a'), failingCloud('POS_SYNC_STORAGE_FAILED', 1)],
    state: { suspects: [], round: null },
  },
  {
    rule: '12. a round ending with suspects after a push that stored (an outage starting mid-round): dropped, nobody charged',
    events: [
      round(['a', 'b']),
      next(),
      fail(storage),
      next(),
      ok(1),
      next(),
      fail(storage),
      next(),
      ended,
    ],
    actions: [send('a', 'b'), send('a'), send('b'), { type: 'nextRound' }],
    state: { suspects: [], pausedUntil: 0 },
  },
  {
    rule: '14. a wake-up cutting the backoff short keeps the cloud’s retryAfterMs and forgets the holds',
    given: { pausedUntil: NOW + 5000, rateLimitedUntil: NOW + 700 },
    events: [{ type: 'resetBackoff' }],
    actions: [{ type: 'forgetHolds' }],
    state: { pausedUntil: NOW + 700 },
  },
  {
    rule: '15. a round that throws backs the queue off and stops its lanes',
    events: [
      round(['a'], ['b']),
      next(0),
      { type: 'roundFailed', now: NOW },
      ok(1, 0),
      next(0),
      next(1),
    ],
    actions: [send('a'), { type: 'backOff', delayMs: 100 }],
    state: { round: null, pausedUntil: NOW + 100, queueBackoffs: 0, storedPushes: 1 },
  },
  {
    rule: 'a closed worker sends nothing and does not back off',
    events: [round(['a', 'b']), next(), { type: 'close' }, fail(network), next()],
    actions: [send('a', 'b')],
    state: { closed: true, pausedUntil: 0 },
  },
];

describe('decideSalesPush', () => {
  it.each(rows)('$rule', ({ given = {}, events, actions, state }) => {
    const result = run(given, events);
    expect(result.actions).toEqual(actions);
    if (state) expect(result.state).toMatchObject(state);
  });

  it('never changes the state it is given', () => {
    const before = run({}, [round(['a', 'b']), next(), fail(storage), next()]).state;
    const copy = structuredClone({ ...before, settings: undefined });
    decideSalesPush(before, fail(storage));
    expect({ ...before, settings: undefined }).toEqual(copy);
  });
});

describe('mayPush', () => {
  it('pushes once started, until closed or halted, never while the queue backs off', () => {
    const state = { ...initialSalesPushState(settings), started: true };
    expect(mayPush(initialSalesPushState(settings), NOW)).toBe(false);
    expect(mayPush(state, NOW)).toBe(true);
    expect(mayPush({ ...state, pausedUntil: NOW + 1 }, NOW)).toBe(false);
    expect(mayPush({ ...state, pausedUntil: NOW }, NOW)).toBe(true);
    expect(mayPush({ ...state, halted: true }, NOW)).toBe(false);
    expect(mayPush({ ...state, closed: true }, NOW)).toBe(false);
  });
});

/**
 * A hybrid logical clock (Kulkarni et al., 2014): a wall-clock time in milliseconds that never goes
 * back, a counter for events within one millisecond (or while the physical clock lags), and the node
 * that made it, so two clocks from different nodes are never equal. Written as fixed-width text
 * (`hlcSchema`), so string order is clock order: `compareHlc` is a string comparison.
 *
 * Pure: the state goes in and comes out; `HlcClock` keeps one for a long-lived node.
 */

/** A clock's parts. */
export type HlcState = { wallMs: number; counter: number; node: string };

/** Largest counter; beyond it the wall part moves on by a millisecond. */
export const HLC_COUNTER_MAX = 999_999;

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;

/** The text form: `<wall ms, 15 digits>-<counter, 6 digits>-<node>`. */
export function formatHlc(state: HlcState): string {
  return (
    `${String(state.wallMs).padStart(WALL_DIGITS, '0')}-` +
    `${String(state.counter).padStart(COUNTER_DIGITS, '0')}-${state.node}`
  );
}

/** The parts of a clock written by `formatHlc`; throws on anything else. */
export function parseHlc(text: string): HlcState {
  const match = /^(\d{15})-(\d{6})-(.+)$/su.exec(text);
  if (!match) throw new RangeError(`not a hybrid logical clock: ${text}`);
  return { wallMs: Number(match[1]), counter: Number(match[2]), node: match[3]! };
}

/** Orders two clocks: negative when `a` is older. Ties of wall and counter fall to the node id. */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normalised(wallMs: number, counter: number, node: string): HlcState {
  return counter > HLC_COUNTER_MAX
    ? { wallMs: wallMs + 1, counter: 0, node }
    : { wallMs, counter, node };
}

/**
 * The clock of a local event at physical time `nowMs`: the wall part is the later of the last one and
 * now, the counter moves on when the wall part did not. A physical clock that went back (NTP step,
 * a skewed till) still yields a later clock.
 */
export function tickHlc(state: HlcState, nowMs: number): HlcState {
  const wallMs = Math.max(state.wallMs, Math.floor(nowMs));
  return normalised(wallMs, wallMs === state.wallMs ? state.counter + 1 : 0, state.node);
}

/**
 * The clock after receiving `remote` at physical time `nowMs`: later than both the last local clock and
 * the remote one, so an edit made after seeing a value wins over it whatever the physical clocks say.
 */
export function receiveHlc(state: HlcState, remote: HlcState, nowMs: number): HlcState {
  const wallMs = Math.max(state.wallMs, remote.wallMs, Math.floor(nowMs));
  let counter = 0;
  if (wallMs === state.wallMs && wallMs === remote.wallMs) {
    counter = Math.max(state.counter, remote.counter) + 1;
  } else if (wallMs === state.wallMs) counter = state.counter + 1;
  else if (wallMs === remote.wallMs) counter = remote.counter + 1;
  return normalised(wallMs, counter, state.node);
}

/** How far a clock's wall part lies after `nowMs` (negative when before). */
export function hlcAheadMs(clock: string, nowMs: number): number {
  return parseHlc(clock).wallMs - nowMs;
}

/** One node's clock, kept between events. */
export class HlcClock {
  #state: HlcState;
  readonly #now: () => number;

  constructor(node: string, now: () => number = Date.now) {
    this.#state = { wallMs: 0, counter: 0, node };
    this.#now = now;
  }

  /** The clock of a new local event. */
  tick(): string {
    this.#state = tickHlc(this.#state, this.#now());
    return formatHlc(this.#state);
  }

  /** Takes in a clock seen elsewhere: every later `tick()` is after it. */
  receive(remote: string): void {
    this.#state = receiveHlc(this.#state, parseHlc(remote), this.#now());
  }
}

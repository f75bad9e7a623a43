import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HlcState } from './hlc.ts';
import {
  HLC_COUNTER_MAX,
  HlcClock,
  compareHlc,
  formatHlc,
  parseHlc,
  receiveHlc,
  tickHlc,
} from './hlc.ts';

const wall = fc.integer({ min: 0, max: 4_000_000_000_000 });
const node = fc.constantFrom('pos-a', 'pos-b', 'cloud', 'pos-0');
const state: fc.Arbitrary<HlcState> = fc.record({
  wallMs: wall,
  counter: fc.integer({ min: 0, max: HLC_COUNTER_MAX }),
  node,
});

/** A node's events: local ticks and receipts of other clocks, each at a physical time. */
const events = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('tick' as const), now: wall }),
    fc.record({ kind: fc.constant('receive' as const), now: wall, remote: state }),
  ),
  { minLength: 1, maxLength: 60 },
);

describe('hybrid logical clock', () => {
  it('is monotonic whatever the physical clock does (skewed, stepped back, frozen)', () => {
    fc.assert(
      fc.property(node, events, (me, steps) => {
        let current: HlcState = { wallMs: 0, counter: 0, node: me };
        for (const step of steps) {
          const next =
            step.kind === 'tick'
              ? tickHlc(current, step.now)
              : receiveHlc(current, step.remote, step.now);
          expect(compareHlc(formatHlc(next), formatHlc(current))).toBeGreaterThan(0);
          // Never behind the physical clock: a till whose clock is right stamps real time.
          expect(next.wallMs).toBeGreaterThanOrEqual(step.now);
          current = next;
        }
      }),
    );
  });

  it('orders a clock made after receiving another after that one, whatever the node ids', () => {
    fc.assert(
      fc.property(state, state, wall, (local, remote, now) => {
        const after = receiveHlc(local, remote, now);
        const remoteOnSameNode = { ...remote, node: local.node };
        // Compared as if on one node: the node id only breaks ties, the parts alone order them.
        expect(compareHlc(formatHlc(after), formatHlc(remoteOnSameNode))).toBeGreaterThan(0);
        expect(compareHlc(formatHlc(tickHlc(after, now)), formatHlc(after))).toBeGreaterThan(0);
      }),
    );
  });

  it('breaks ties of wall time and counter by the node id, the same way on every node', () => {
    fc.assert(
      fc.property(wall, fc.integer({ min: 0, max: HLC_COUNTER_MAX }), (wallMs, counter) => {
        const a = formatHlc({ wallMs, counter, node: 'pos-a' });
        const b = formatHlc({ wallMs, counter, node: 'pos-b' });
        expect(compareHlc(a, b)).toBeLessThan(0);
        expect(compareHlc(b, a)).toBeGreaterThan(0);
        expect(compareHlc(a, a)).toBe(0);
      }),
    );
  });

  it('reads back what it writes, and string order is clock order', () => {
    fc.assert(
      fc.property(state, state, (a, b) => {
        expect(parseHlc(formatHlc(a))).toEqual(a);
        const byParts =
          a.wallMs - b.wallMs ||
          a.counter - b.counter ||
          (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
        expect(Math.sign(compareHlc(formatHlc(a), formatHlc(b)))).toBe(Math.sign(byParts));
      }),
    );
  });

  it('moves the wall part on by a millisecond when the counter would overflow', () => {
    const full = { wallMs: 5, counter: HLC_COUNTER_MAX, node: 'n' };
    expect(tickHlc(full, 1)).toEqual({ wallMs: 6, counter: 0, node: 'n' });
  });

  it('lets an edit made on a till whose clock lags win over the value it saw', () => {
    const ahead = new HlcClock('pos-ahead', () => 2_000_000);
    const behind = new HlcClock('pos-behind', () => 1_000_000);
    const seen = ahead.tick();
    behind.receive(seen);
    expect(compareHlc(behind.tick(), seen)).toBeGreaterThan(0);
  });
});

import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/**
 * One line of a terminal's journal: what its cashier was told. `sale` is written after `sell()`
 * returned; an inventory adjustment writes `adjust` before the call and `adjusted` after it, so an
 * adjustment cut short by a kill is known to be in doubt (committed or not) rather than lost.
 */
export type JournalEntry =
  | {
      k: 'sale';
      id: string;
      terminalId: string;
      posId: string;
      localEventId: number;
      branchId: string;
      totalMinor: number;
    }
  | { k: 'adjust'; n: string; productId: string; delta: number }
  | { k: 'adjusted'; n: string };

/**
 * Appends an entry. `appendFileSync` returns once the kernel holds the bytes, so the line survives
 * a SIGKILL of this process the instant after (not a power loss: the simulator kills processes).
 */
export function appendJournal(file: string, entry: JournalEntry): void {
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

/** Every complete entry of a journal (a torn last line, from a kill mid-write, is ignored). */
export function readJournal(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // a torn line: the write never completed, so the cashier was never told
    }
  }
  return entries;
}

/** The inventory adjustments of a journal: those known done, and those in doubt (begun, not done). */
export function journalAdjustments(entries: readonly JournalEntry[]): {
  done: { productId: string; delta: number }[];
  inDoubt: { productId: string; delta: number }[];
} {
  const begun = new Map<string, { productId: string; delta: number }>();
  const done: { productId: string; delta: number }[] = [];
  for (const entry of entries) {
    if (entry.k === 'adjust')
      begun.set(entry.n, { productId: entry.productId, delta: entry.delta });
    if (entry.k === 'adjusted') {
      const op = begun.get(entry.n);
      if (op) done.push(op);
      begun.delete(entry.n);
    }
  }
  return { done, inDoubt: [...begun.values()] };
}

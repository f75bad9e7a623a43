/**
 * Parsed documents by id, for one table, shared by every storage instance on that table in this
 * process. Reads are dominated by `JSON.parse`; a document read or written recently is returned from
 * here instead. The cache is exact, not a guess: every write to the table goes through this process
 * (the file is locked to it), and the cache is updated after each commit. Documents are never
 * mutated once stored, the same contract RxDB's memory storage relies on.
 *
 * Eviction is first-in-first-out: a hit does not reorder, which keeps the hot read path to one lookup.
 */
export class DocumentCache<T> {
  readonly #documents = new Map<string, T>();

  constructor(readonly capacity: number) {}

  get(id: string): T | undefined {
    return this.#documents.get(id);
  }

  set(id: string, document: T): void {
    if (this.capacity === 0) return;
    // Re-inserting moves the id to the young end, so a rewritten document is evicted last.
    this.#documents.delete(id);
    this.#documents.set(id, document);
    if (this.#documents.size > this.capacity) {
      const oldest = this.#documents.keys().next().value as string;
      this.#documents.delete(oldest);
    }
  }

  clear(): void {
    this.#documents.clear();
  }

  get size(): number {
    return this.#documents.size;
  }
}

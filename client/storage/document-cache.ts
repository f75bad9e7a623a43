/**
 * Parsed documents by id, for one table, shared by every storage instance on that table in this
 * process. Reads are dominated by `JSON.parse`; a document read or written recently is returned from
 * here instead. The cache is exact, not a guess: every write to the table goes through this process
 * (the file is locked to it), and the cache is updated after each commit. Documents are never
 * mutated once stored, the same contract RxDB's memory storage relies on.
 *
 * Eviction is by generations: entries go into a young map; when it holds half the capacity it becomes
 * the old map and the previous old map is dropped. Every operation is O(1), unlike evicting the oldest
 * entry of one Map, whose iterator must skip every slot deleted before it.
 */
export class DocumentCache<T> {
  #young = new Map<string, T>();
  #old = new Map<string, T>();
  readonly #generationSize: number;

  constructor(readonly capacity: number) {
    this.#generationSize = Math.ceil(capacity / 2);
  }

  get(id: string): T | undefined {
    return this.#young.get(id) ?? this.#old.get(id);
  }

  set(id: string, document: T): void {
    if (this.capacity === 0) return;
    // The old generation must not answer with the previous state once this one is set.
    this.#old.delete(id);
    this.#young.set(id, document);
    if (this.#young.size >= this.#generationSize) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }

  clear(): void {
    this.#young = new Map();
    this.#old = new Map();
  }

  /** Entries held, at most `capacity`. */
  get size(): number {
    return this.#young.size + this.#old.size;
  }
}

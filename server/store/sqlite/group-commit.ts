import type { Database } from 'better-sqlite3';

type Job = { work: () => unknown; resolve: (value: any) => void; reject: (error: unknown) => void };

/**
 * Group commit: work submitted in the same turn of the event loop runs in one write transaction, each
 * piece in its own savepoint, so many concurrent pushes share one commit (one fsync with
 * `synchronous=FULL`) instead of paying one each. Durability is unchanged: every promise settles only
 * after the commit that holds its writes, so nothing is acknowledged before it is on disk.
 *
 * Isolation: a piece that throws rolls back to its savepoint and only its promise rejects; `work` that
 * writes must do so inside a `db.transaction(...)` (which nests as a savepoint here). A failed commit
 * rejects every piece of the group: none of their writes stand.
 */
export class GroupCommit {
  readonly #db: Database;
  #queue: Job[] = [];
  #scheduled = false;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Runs `work` (synchronous) in the next group transaction; settles after that commit. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate, not a microtask: requests read in this turn of the loop join the group.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const jobs = this.#queue;
    this.#queue = [];
    const settled: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#db.transaction(() => {
        for (const job of jobs) {
          try {
            settled.push({ ok: true, value: this.#db.transaction(job.work)() });
          } catch (error) {
            settled.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = settled[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}

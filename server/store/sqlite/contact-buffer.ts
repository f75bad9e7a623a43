import type { TerminalContact, TerminalScope } from '../cloud-store.ts';

/** A contact as it will be written: its time fixed when it was recorded, not when it is flushed. */
export type StampedContact = { scope: TerminalScope; contact: TerminalContact & { at: Date } };

/** Most contacts held before a flush is forced, so a burst cannot grow the buffer without bound. */
const MAX_PENDING = 2_000;

/**
 * Terminal contacts ("last pull/push", queue depth, reported checkpoints) held in memory and written in
 * one transaction per flush. Every pull and push records one; written one by one, each would be a
 * commit with a full fsync (the store runs `synchronous=FULL` for sales), which is what an ingest or a
 * pull pays for a column only the admin view reads. Batched, a flush every `intervalMs` costs one commit
 * for all terminals. The price: a crash loses at most the last interval of contacts (never a sale, which
 * commits on its own); a clean close flushes, and the store flushes before any read of terminal rows.
 */
export class ContactBuffer {
  readonly #write: (contacts: StampedContact[]) => void;
  readonly #timer: NodeJS.Timeout;
  #pending: StampedContact[] = [];

  constructor(write: (contacts: StampedContact[]) => void, intervalMs: number) {
    this.#write = write;
    this.#timer = setInterval(() => {
      try {
        this.flush();
      } catch {
        // Best effort by design (see above): the next read or close tries again with newer contacts.
      }
    }, intervalMs);
    this.#timer.unref();
  }

  add(contact: StampedContact): void {
    this.#pending.push(contact);
    if (this.#pending.length >= MAX_PENDING) this.flush();
  }

  /** Writes every pending contact in order; on failure they are dropped, not retried forever. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const contacts = this.#pending;
    this.#pending = [];
    this.#write(contacts);
  }

  /** Stops the timer after a last flush. */
  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What SQLite reports for a checkpoint: WAL frames in the log, and how many were copied. */
export type CheckpointResult = { busy: number; log: number; checkpointed: number };

/**
 * The worker's code, run as a CommonJS script (no TypeScript loader exists in a worker). It holds its
 * own connection to the database file and checkpoints when told; a checkpoint in WAL mode runs
 * alongside the main connection's readers and writer.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String((error && error.message) || error) });
  }
});
`;

/**
 * Checkpoints one database file on a worker thread, so copying a large WAL (a 100,000-document
 * snapshot writes ~100 MB of it) never blocks the thread a cashier's `sell()` runs on.
 */
export class CheckpointWorker {
  #worker: Worker | undefined;
  #closed = false;
  #running = false;
  #again = false;
  #waiters: ((result: CheckpointResult) => void)[] = [];

  constructor(
    private readonly file: string,
    private readonly warn: (message: string, error: unknown) => void,
  ) {}

  /** The thread starts with the first checkpoint, so a database opened briefly costs no thread. */
  #start(): Worker {
    const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.file, betterSqlite3 },
    });
    worker.unref();
    worker.on('message', (reply) => this.#onReply(reply));
    worker.on('error', (error) => {
      // After close the file may be gone already; nothing is lost by a checkpoint not made.
      if (!this.#closed) this.warn(`checkpoint worker of ${this.file} failed`, error);
    });
    return worker;
  }

  /** Asks for a checkpoint; one runs at a time, and a request during one runs once it ends. */
  request(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#worker ??= this.#start();
    this.#worker.postMessage('checkpoint');
  }

  /** Resolves with the result of the next checkpoint that completes. */
  next(): Promise<CheckpointResult> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#worker?.postMessage('close');
  }

  #onReply(reply: { ok: true; result: CheckpointResult } | { ok: false; message: string }): void {
    this.#running = false;
    if (reply.ok) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const resolve of waiters) resolve(reply.result);
    } else if (!this.#closed) {
      this.warn(
        'WAL checkpoint failed; it is retried after the next write',
        new Error(reply.message),
      );
    }
    if (this.#again) {
      this.#again = false;
      this.request();
    }
  }
}

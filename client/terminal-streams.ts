import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { Checkpoint, StreamName } from '../replication/index.ts';
import type { StreamContext, StreamReplication } from './sync-streams.ts';
import { startStreamReplication } from './sync-streams.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';
import { replicationIdentifier } from './terminal-identity.ts';

/** The terminal's running stream replications, at most one per stream. */
export class TerminalStreams {
  readonly #db: TerminalDatabase;
  readonly #identity: Readonly<TerminalIdentity>;
  readonly #context: Omit<StreamContext, 'branchId'>;
  readonly #logger: () => Logger;
  readonly #replications = new Map<StreamName, StreamReplication>();
  readonly #subscriptions: Subscription[] = [];

  constructor(init: {
    db: TerminalDatabase;
    /** The terminal's identity, updated in place when the cloud moves the terminal. */
    identity: Readonly<TerminalIdentity>;
    /** Shared by every stream; the branch is read from the identity when a stream starts. */
    context: Omit<StreamContext, 'branchId'>;
    logger: () => Logger;
  }) {
    this.#db = init.db;
    this.#identity = init.identity;
    this.#context = init.context;
    this.#logger = init.logger;
  }

  /** Starts the replication of a stream under the identity's current branch and generation. */
  start(stream: StreamName, initialCheckpoint?: Checkpoint): void {
    const replication = startStreamReplication(
      { ...this.#context, branchId: this.#identity.branchId },
      stream,
      this.#db[stream],
      replicationIdentifier(this.#identity, stream),
      initialCheckpoint,
    );
    this.#subscriptions.push(
      replication.error$.subscribe((error) => {
        this.#logger().debug({ err: error, stream }, 'replication error (retrying)');
      }),
    );
    this.#replications.set(stream, replication);
  }

  get(stream: StreamName): StreamReplication | undefined {
    return this.#replications.get(stream);
  }

  has(stream: StreamName): boolean {
    return this.#replications.has(stream);
  }

  /** Cancels a stream's replication and forgets it. */
  async stop(stream: StreamName): Promise<void> {
    await this.#replications.get(stream)?.cancel();
    this.#replications.delete(stream);
  }

  /** Pulls a stream from its checkpoint now. */
  reSync(stream: StreamName): void {
    this.#replications.get(stream)?.reSync();
  }

  reSyncAll(): void {
    for (const replication of this.#replications.values()) replication.reSync();
  }

  /** Resolves once every running stream has pulled up to the cloud's state at the time of the call. */
  async awaitPulled(): Promise<void> {
    await Promise.all(
      [...this.#replications.values()].map(async (replication) => {
        replication.reSync();
        await replication.awaitInSync();
      }),
    );
  }

  /** Cancels every stream without waiting (syncing halted). */
  cancelAll(): void {
    for (const replication of this.#replications.values()) void replication.cancel();
  }

  /** Stops logging replication errors (the terminal is closing). */
  unsubscribe(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#replications.values()].map((r) => r.cancel()));
  }
}

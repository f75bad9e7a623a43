import type { Logger } from 'pino';
import { Subject, firstValueFrom } from 'rxjs';
import type { Checkpoint, StreamName } from '../replication/index.ts';
import { PosError } from '../schema/index.ts';
import type { CatalogStream } from './catalog-reconcile.ts';
import { resnapshotCatalogStream } from './catalog-resnapshot.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';
import { saveIdentity } from './terminal-identity.ts';
import type { SyncHalt, TerminalStatus } from './terminal-status.ts';
import type { TerminalStreams } from './terminal-streams.ts';

/**
 * The local catalog's completeness: the bulk snapshots of the catalog streams (first run,
 * re-snapshot), the checkpoints reached, and `catalogReady()`.
 */
export class TerminalCatalog {
  readonly #db: TerminalDatabase;
  readonly #caller: GraphQLCaller;
  readonly #identity: TerminalIdentity;
  readonly #streams: TerminalStreams;
  readonly #onChange: () => void;
  readonly #onDeltaSync: () => void;
  readonly #logger: () => Logger;
  readonly #closed: () => boolean;
  readonly #halted: () => SyncHalt;
  readonly #snapshots = new Map<CatalogStream, Promise<void>>();
  /** Ticks when the catalog may have become complete, and when syncing halts or the terminal closes. */
  readonly #events = new Subject<void>();
  /**
   * An identity stored before snapshot markers existed: that release pulled the catalog with RxDB's
   * replication and sold from it, so it counts as complete (until a branch change purges it).
   */
  #fromOlderRelease: boolean;
  #snapshotPulled = 0;
  readonly #checkpoints: { products: number | null; categories: number | null } = {
    products: null,
    categories: null,
  };

  constructor(init: {
    db: TerminalDatabase;
    caller: GraphQLCaller;
    /** The terminal's identity: its snapshot markers and generations are updated here. */
    identity: TerminalIdentity;
    streams: TerminalStreams;
    /** Called when the catalog's status changed. */
    onChange: () => void;
    /** Called when a pull brought changes after the snapshot (`delta_sync_runs`). */
    onDeltaSync: () => void;
    logger: () => Logger;
    closed: () => boolean;
    halted: () => SyncHalt;
  }) {
    this.#db = init.db;
    this.#caller = init.caller;
    this.#identity = init.identity;
    this.#streams = init.streams;
    this.#onChange = init.onChange;
    this.#onDeltaSync = init.onDeltaSync;
    this.#logger = init.logger;
    this.#closed = init.closed;
    this.#halted = init.halted;
    this.#fromOlderRelease = init.identity.snapshots === undefined;
  }

  /** Both catalog streams were pulled completely once for the current branch (and generation). */
  get complete(): boolean {
    if (this.#fromOlderRelease) return true;
    const snapshots = this.#identity.snapshots;
    return snapshots?.products !== undefined && snapshots.categories !== undefined;
  }

  /** The catalog's part of the status (the counts are read by the status feed). */
  status(started: boolean): Omit<TerminalStatus['catalog'], 'products' | 'categories'> {
    return {
      checkpoint: { ...this.#checkpoints },
      snapshotting:
        this.#snapshots.size > 0 ||
        (started && (this.#checkpoints.products ?? 0) === 0 && this.#snapshotPulled > 0),
      snapshotPulled: this.#snapshotPulled,
      ready: this.complete,
    };
  }

  /** See `Terminal.catalogReady`. */
  async ready(): Promise<void> {
    for (;;) {
      if (this.complete) return;
      const halted = this.#halted();
      if (halted) throw new PosError('POS_SYNC_UNAUTHORIZED', `syncing halted: ${halted}`);
      if (this.#closed()) throw new PosError('POS_INPUT_INVALID', 'the terminal is closed');
      await firstValueFrom(this.#events, { defaultValue: undefined });
    }
  }

  /** Wakes `ready()` to look again (syncing halted). */
  notify(): void {
    this.#events.next();
  }

  /** The cloud moved the terminal to another branch: its catalog starts over. */
  branchChanged(): void {
    this.#fromOlderRelease = false;
    this.#checkpoints.products = null;
    this.#checkpoints.categories = null;
  }

  /** Starts a catalog stream: from its snapshot when it has one, else with a bulk snapshot. */
  start(stream: CatalogStream): void {
    if (this.#identity.snapshots?.[stream] === undefined) this.#snapshot(stream, 'first run');
    else this.#streams.start(stream);
  }

  /** A pull answer of any stream: the catalog streams' checkpoints and snapshot progress. */
  onPulled(stream: StreamName, checkpoint: Checkpoint | null, documents: number): void {
    if (stream !== 'products' && stream !== 'categories') return;
    const before = this.#checkpoints[stream];
    if (before === null || before === 0) this.#snapshotPulled += documents;
    else if (documents > 0) this.#onDeltaSync();
    if (checkpoint) this.#checkpoints[stream] = checkpoint.seq;
  }

  /**
   * The cloud no longer has the changes after our checkpoint (retention): pull a new snapshot in the
   * background while the old catalog keeps serving sales, then swap in one write.
   */
  resnapshot(stream: CatalogStream): void {
    if (this.#snapshots.has(stream) || this.#closed() || this.#halted()) return;
    this.#logger().warn({ stream }, 'checkpoint too old: re-snapshotting the catalog');
    this.#snapshot(stream, 're-snapshot');
  }

  /** Resolves once the snapshots running now have finished. */
  async awaitSnapshots(): Promise<void> {
    await Promise.all([...this.#snapshots.values()]);
  }

  /** Waits for the snapshots running now, whatever their outcome (the terminal is closing). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#snapshots.values()]);
  }

  /** Ends the readiness events (the terminal closed). */
  endEvents(): void {
    this.#events.complete();
  }

  /**
   * Pulls a catalog snapshot in large pages and writes it in one bulk write (the storage rebuilds its
   * indexes once for a bulk load, far cheaper than RxDB's page-by-page downstream), then hands the
   * stream to RxDB's replication from the snapshot's seq. Used on the first run of a generation and for
   * a re-snapshot; the current catalog keeps serving sales until the swap.
   */
  #snapshot(stream: CatalogStream, why: 'first run' | 're-snapshot'): void {
    const stopped = () => this.#closed() || this.#halted();
    const task = (async () => {
      await this.#streams.stop(stream);
      this.#snapshotPulled = 0;
      this.#onChange();
      const result = await resnapshotCatalogStream(this.#caller, stream, this.#db[stream], (n) => {
        this.#snapshotPulled = n;
        this.#onChange();
      });
      // A new generation is a new replication identifier: RxDB then starts from the snapshot's seq.
      if (why === 're-snapshot') this.#identity.generations[stream] += 1;
      this.#identity.snapshots = { ...this.#identity.snapshots, [stream]: result.checkpoint };
      await saveIdentity(this.#db, this.#identity);
      this.#checkpoints[stream] = result.checkpoint;
      this.#events.next();
      if (!stopped()) this.#streams.start(stream, { seq: result.checkpoint });
    })()
      .catch((error: unknown) => {
        // Offline or refused: fall back to RxDB's pull from our checkpoint (a snapshot from seq 0
        // when there is none), which retries until the cloud answers.
        this.#logger().warn(
          { err: error, stream, why },
          'bulk snapshot failed; pulling page by page',
        );
        if (!stopped() && !this.#streams.has(stream)) {
          this.#streams.start(stream);
          void this.#markPulledToTheEnd(stream);
        }
      })
      .finally(() => {
        this.#snapshots.delete(stream);
        this.#onChange();
      });
    this.#snapshots.set(stream, task);
  }

  /**
   * After a failed bulk snapshot, RxDB's page-by-page pull fills the catalog instead: once it reached
   * the cloud's head, the stream counts as snapshotted (ready to sell; no bulk snapshot at next start).
   */
  async #markPulledToTheEnd(stream: CatalogStream): Promise<void> {
    const replication = this.#streams.get(stream);
    if (!replication || this.#identity.snapshots?.[stream] !== undefined) return;
    try {
      await replication.awaitInitialReplication();
    } catch {
      return;
    }
    if (this.#closed() || this.#streams.get(stream) !== replication) return;
    if (this.#identity.snapshots?.[stream] !== undefined) return;
    this.#identity.snapshots = {
      ...this.#identity.snapshots,
      [stream]: this.#checkpoints[stream] ?? 0,
    };
    await saveIdentity(this.#db, this.#identity);
    this.#events.next();
    this.#onChange();
  }
}

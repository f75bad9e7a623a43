import { BehaviorSubject, combineLatest } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import { filter, map } from 'rxjs/operators';
import { addRxPlugin, createRxDatabase } from 'rxdb';
import { RxDBcrdtPlugin } from 'rxdb/plugins/crdt';
import { getRxStorageRemote } from 'rxdb/plugins/storage-remote';
import { categoryRxSchema } from '../../schema/category-rx-schema.ts';
import { inventoryRxSchema } from '../../schema/inventory-rx-schema.ts';
import { PosError } from '../../schema/pos-error.ts';
import { productRxMigrations, productRxSchema } from '../../schema/product-rx-schema.ts';
import { saleRxMigrations, saleRxSchema } from '../../schema/sale-rx-schema.ts';
import type { TerminalCollections, TerminalDatabase } from '../terminal-database.ts';
import type { Terminal } from '../terminal.ts';
import type { TerminalStatus } from '../terminal-status.ts';
import type { DaemonHello, DaemonSocketOptions, DaemonSocketState } from './daemon-socket.ts';
import { DaemonSocket } from './daemon-socket.ts';
import type { UiCommandName, UiCommands, UiError } from './protocol.ts';
import { createRemoteChannel } from './remote-channel.ts';

addRxPlugin(RxDBcrdtPlugin);

/** The terminal's status as a page sees it: the daemon's, plus whether the daemon itself is there. */
export type BrowserTerminalStatus = TerminalStatus & {
  /** The page's socket to the daemon is open (false at once when the daemon goes away). */
  daemonConnected: boolean;
  /** `refused`: the daemon no longer accepts this page's token; the page stops retrying. */
  connection: DaemonSocketState;
};

/** A terminal daemon as a page (browser, Electron or Tauri renderer) holds it. */
export type BrowserTerminal = Pick<
  Terminal,
  'sell' | 'settle' | 'refund' | 'adjustInventory' | 'countInventory' | 'reconcile' | 'requeue'
> & {
  /**
   * The page's RxDB database on the terminal's own database (read-only). Replaced by a new one when
   * the socket reopens after a loss of the daemon: follow `db$` to re-subscribe live queries.
   */
  readonly db: TerminalDatabase;
  /** The current database, and each new one after a reconnect. */
  readonly db$: Observable<TerminalDatabase>;
  readonly status$: Observable<BrowserTerminalStatus>;
  /** Terminal id and branch from the daemon's greeting. */
  readonly identity: { terminalId: string; branchId: string };
  close(): Promise<void>;
};

export type ConnectTerminalOptions = DaemonSocketOptions;

/**
 * Connects a page to a terminal daemon's UI port: `url` is its address (`http://127.0.0.1:4100`, or
 * `location.origin` in the page the daemon serves) and `token` the local token it printed. Rejects
 * with `POS_LOCAL_UNAUTHORIZED` when the token is refused and `POS_TERMINAL_UNREACHABLE` when the
 * daemon is not there; after that first connection, a lost daemon is retried until it is back.
 */
export async function connectTerminal(options: ConnectTerminalOptions): Promise<BrowserTerminal> {
  const socket = new DaemonSocket(options);
  const first = await socket.open();
  const subscriptions: Subscription[] = [];
  let closed = false;
  let nextCommandId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  const status$ = new BehaviorSubject<TerminalStatus | null>(null);
  subscriptions.push(
    socket.frames$.subscribe((frame) => {
      if (frame.t === 'status') status$.next(frame.status);
      if (frame.t !== 'res') return;
      const call = pending.get(frame.id);
      if (!call) return;
      pending.delete(frame.id);
      if (frame.ok) call.resolve(frame.value);
      else call.reject(toPosError(frame.error));
    }),
    socket.state$.subscribe((state) => {
      if (state === 'open') return;
      const error = new PosError('POS_TERMINAL_UNREACHABLE');
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    }),
  );
  const firstStatus = status$.pipe(filter((s): s is TerminalStatus => s !== null));

  let db = await openPageDatabase(socket, first);
  const db$ = new BehaviorSubject<TerminalDatabase>(db);
  // Each reopened socket is a fresh session on the daemon: the page's database reopens on it.
  let reopening = Promise.resolve();
  subscriptions.push(
    socket.hello$.subscribe((hello) => {
      reopening = reopening.then(async () => {
        if (closed) return;
        const previous = db;
        await previous.close().catch(() => undefined);
        try {
          db = await openPageDatabase(socket, hello);
          db$.next(db);
        } catch {
          // The socket dropped again while opening; the next hello retries.
        }
      });
    }),
  );

  const call = <N extends UiCommandName>(
    name: N,
    input: UiCommands[N]['input'],
  ): Promise<UiCommands[N]['result']> =>
    new Promise((resolve, reject) => {
      const id = nextCommandId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (!socket.send({ t: 'cmd', id, name, input } as never)) {
        pending.delete(id);
        reject(new PosError('POS_TERMINAL_UNREACHABLE'));
      }
    });

  return {
    get db() {
      return db;
    },
    db$: db$.asObservable(),
    status$: combineLatest([firstStatus, socket.state$]).pipe(
      map(([status, connection]) => ({
        ...status,
        daemonConnected: connection === 'open',
        connection,
      })),
    ),
    identity: { terminalId: first.terminalId, branchId: first.branchId },
    sell: (input) => call('sell', input),
    settle: (input) => call('settle', input),
    refund: (input) => call('refund', input),
    adjustInventory: (productId, delta, reason) =>
      call('adjustInventory', { productId, delta, reason }),
    countInventory: (productId, counted) => call('countInventory', { productId, counted }),
    reconcile: () => call('reconcile', {}),
    requeue: (saleIds) => call('requeue', saleIds ? { saleIds } : {}),
    async close() {
      if (closed) return;
      closed = true;
      for (const subscription of subscriptions) subscription.unsubscribe();
      await reopening;
      await db.close().catch(() => undefined);
      db$.complete();
      socket.close();
      status$.complete();
    },
  };
}

/** The page's RxDB database of one socket generation: the terminal's collections, remote storage. */
async function openPageDatabase(
  socket: DaemonSocket,
  hello: DaemonHello,
): Promise<TerminalDatabase> {
  const channel = createRemoteChannel(socket);
  const db = await createRxDatabase<TerminalCollections>({
    name: hello.databaseName,
    storage: getRxStorageRemote({
      identifier: `pos-terminal-${socket.generation}`,
      mode: 'one',
      messageChannelCreator: async () => channel,
    }),
    multiInstance: false,
    eventReduce: true,
  });
  try {
    await db.addCollections({
      // The daemon migrates its file at open; the page only reads the current versions.
      products: {
        schema: productRxSchema,
        migrationStrategies: productRxMigrations,
        autoMigrate: false,
      },
      categories: { schema: categoryRxSchema },
      inventory: { schema: inventoryRxSchema },
      sales: { schema: saleRxSchema, migrationStrategies: saleRxMigrations, autoMigrate: false },
    });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

function toPosError(error: UiError): PosError {
  return new PosError(error.code, error.message, error.details ?? {});
}

import type { Logger } from 'pino';
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import { skip } from 'rxjs/operators';
import { RXDB_VERSION } from 'rxdb';
import type { MessageToRemote } from 'rxdb/plugins/storage-remote';
import { exposeRxStorageRemote } from 'rxdb/plugins/storage-remote';
import type { WebSocket } from 'ws';
import { isPosError } from '../../schema/index.ts';
import type { DaemonFrame, UiCommandName, UiError } from '../browser/protocol.ts';
import { UI_HEARTBEAT_MS, UI_PROTOCOL_VERSION } from '../browser/protocol.ts';
import type { Terminal } from '../terminal.ts';
import type { SubscriptionCounter } from './read-only-storage.ts';
import { createReadOnlyStorage } from './read-only-storage.ts';
import { commandInputSchemas, pageFrameSchema } from './ui-protocol-schema.ts';

/** What a page session uses of the terminal: its database, status and commands. */
export type UiTerminal = Pick<
  Terminal,
  | 'db'
  | 'identity'
  | 'status'
  | 'status$'
  | 'sell'
  | 'settle'
  | 'refund'
  | 'adjustInventory'
  | 'countInventory'
  | 'reconcile'
  | 'requeue'
>;

/** The collections a page reads. */
const PAGE_COLLECTIONS = ['products', 'categories', 'inventory', 'sales'] as const;

/**
 * One page's socket: RxDB's remote storage over read-only views of the terminal's database, the
 * terminal's commands, and its status. When the socket closes, every storage connection the page
 * opened is closed like the page would have (one `close` per collection), so no change-stream
 * subscription outlives the page.
 */
export function serveUiSession(
  socket: WebSocket,
  terminal: UiTerminal,
  counter: SubscriptionCounter,
  logger: Logger,
): void {
  const send = (frame: DaemonFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  const messages$ = new Subject<MessageToRemote>();
  exposeRxStorageRemote({
    storage: createReadOnlyStorage(terminal.db, PAGE_COLLECTIONS, counter),
    messages$,
    send: (m) => send({ t: 'rx', m }),
  });
  const connections = new Set<string>();
  const subscriptions: Subscription[] = [];
  const heartbeat = setInterval(() => send({ t: 'ping' }), UI_HEARTBEAT_MS);

  send({
    t: 'hello',
    protocol: UI_PROTOCOL_VERSION,
    rxdbVersion: RXDB_VERSION,
    databaseName: terminal.db.name,
    terminalId: terminal.identity.terminalId,
    branchId: terminal.identity.branchId,
  });
  void terminal.status().then(
    (status) => {
      send({ t: 'status', status });
      // status$ replays its last value on subscribe; status() above is at least as fresh.
      subscriptions.push(
        terminal.status$.pipe(skip(1)).subscribe((s) => send({ t: 'status', status: s })),
      );
    },
    (error: unknown) => logger.warn({ err: error }, 'ui: status failed'),
  );

  socket.on('message', (data, isBinary) => {
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(String(data));
    } catch {
      parsed = undefined;
    }
    const frame = pageFrameSchema.safeParse(parsed);
    if (!frame.success) {
      logger.warn({ issues: frame.error.issues.slice(0, 5) }, 'ui: invalid frame; closing socket');
      socket.close(1008, 'invalid frame');
      return;
    }
    if (frame.data.t === 'rx') {
      const message = frame.data.m as MessageToRemote;
      if (message.method === 'create') connections.add(message.connectionId);
      else if (!Array.isArray(message.params)) return;
      messages$.next(message);
      return;
    }
    const { id, name, input } = frame.data;
    void runCommand(terminal, name, input).then(
      (value) => send({ t: 'res', id, ok: true, value }),
      (error: unknown) => {
        const wire = toUiError(error);
        if (wire.code === 'POS_TERMINAL_FAILED') logger.error({ err: error }, `ui: ${name} failed`);
        send({ t: 'res', id, ok: false, error: wire });
      },
    );
  });

  socket.once('close', () => {
    clearInterval(heartbeat);
    for (const subscription of subscriptions) subscription.unsubscribe();
    for (const connectionId of connections) {
      messages$.next({
        connectionId,
        requestId: `socket-closed|${connectionId}`,
        method: 'close',
        version: RXDB_VERSION,
        params: [],
      });
    }
    messages$.complete();
  });
}

async function runCommand(terminal: UiTerminal, name: string, input: unknown): Promise<unknown> {
  const schema = commandInputSchemas[name as UiCommandName];
  if (!schema) throw new UiCommandError('POS_INPUT_INVALID', `unknown command: ${name}`);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new UiCommandError('POS_INPUT_INVALID', `invalid ${name} input`, {
      issues: parsed.error.issues.slice(0, 20),
    });
  }
  switch (name as UiCommandName) {
    case 'sell':
      return terminal.sell(parsed.data as never);
    case 'settle':
      return terminal.settle(parsed.data as never);
    case 'refund':
      return terminal.refund(parsed.data as never);
    case 'adjustInventory': {
      const { productId, delta, reason } = parsed.data as {
        productId: string;
        delta: number;
        reason: never;
      };
      return terminal.adjustInventory(productId, delta, reason);
    }
    case 'countInventory': {
      const { productId, counted } = parsed.data as { productId: string; counted: number };
      return terminal.countInventory(productId, counted);
    }
    case 'reconcile':
      return terminal.reconcile();
    case 'requeue':
      return terminal.requeue((parsed.data as { saleIds?: string[] }).saleIds);
  }
}

/** A refusal of the protocol layer itself (unknown command, bad input). */
class UiCommandError extends Error {
  constructor(
    readonly code: UiError['code'],
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A `PosError` keeps its code, message and details; anything else is masked and logged. */
function toUiError(error: unknown): UiError {
  if (error instanceof UiCommandError) {
    return { code: error.code, message: error.message, details: error.details };
  }
  if (isPosError(error)) {
    return { code: error.code, message: error.message, details: { ...error.details } };
  }
  return { code: 'POS_TERMINAL_FAILED', message: 'The terminal could not run the command.' };
}

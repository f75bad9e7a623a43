import type { MessageFromRemote, MessageToRemote } from 'rxdb/plugins/storage-remote';
import type { ErrorCode, InventoryReason, Sale } from '../../schema/index.ts';
import type { RefundInput } from '../build-return.ts';
import type { SellInput } from '../build-sale.ts';
import type { SettleInput } from '../build-settlement.ts';
import type { ReconcileResult } from '../terminal.ts';
import type { TerminalStatus } from '../terminal-status.ts';

/**
 * The page ⇄ daemon protocol on the UI socket (`ws://127.0.0.1:PORT/ws?token=…`): JSON frames, one per
 * WebSocket message, each tagged with `t`. RxDB's remote storage frames (`rx`) and the terminal's
 * commands share the one socket. Zod-free so the page's bundle stays small; the daemon validates every
 * frame it receives (`client/local-server/ui-protocol-schema.ts`).
 */
export const UI_PROTOCOL_VERSION = 1;

/** Path of the WebSocket on the daemon's UI port. */
export const UI_SOCKET_PATH = '/ws';

/** Path the page asks before opening the socket, to tell a refused token from a daemon that is down. */
export const UI_SESSION_PATH = '/session';

/** Seconds between the daemon's heartbeats; the page treats a silence of three as a lost daemon. */
export const UI_HEARTBEAT_MS = 5_000;

/** The commands and their input and result types: the Node `Terminal`'s methods of the same names. */
export type UiCommands = {
  sell: { input: SellInput; result: Sale };
  settle: { input: SettleInput; result: Sale };
  refund: { input: RefundInput; result: Sale };
  adjustInventory: {
    input: { productId: string; delta: number; reason: InventoryReason };
    result: number;
  };
  countInventory: { input: { productId: string; counted: number }; result: number };
  reconcile: { input: Record<string, never>; result: ReconcileResult };
  requeue: { input: { saleIds?: readonly string[] }; result: string[] };
};

/** A command's name. */
export type UiCommandName = keyof UiCommands;

/** An error as it travels: the stable code, the message and the details of a `PosError`. */
export type UiError = { code: ErrorCode; message: string; details?: Record<string, unknown> };

/** Frames from the page. */
export type PageFrame =
  | { t: 'rx'; m: MessageToRemote }
  | {
      [N in UiCommandName]: { t: 'cmd'; id: number; name: N; input: UiCommands[N]['input'] };
    }[UiCommandName];

/** Frames from the daemon. */
export type DaemonFrame =
  | {
      t: 'hello';
      protocol: number;
      rxdbVersion: string;
      databaseName: string;
      terminalId: string;
      branchId: string;
    }
  | { t: 'rx'; m: MessageFromRemote }
  | { t: 'res'; id: number; ok: true; value: unknown }
  | { t: 'res'; id: number; ok: false; error: UiError }
  | { t: 'status'; status: TerminalStatus }
  | { t: 'ping' };

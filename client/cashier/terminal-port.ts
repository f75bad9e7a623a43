import type { BrowserTerminal } from '../browser/index.ts';

/**
 * What the cashier page drives: a terminal daemon as `connectTerminal()` hands it to a page (the Node
 * `Terminal`'s commands, a read-only database that is replaced after a reconnect, and the status).
 */
export type CashierTerminal = BrowserTerminal;

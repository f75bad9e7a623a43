import type { Logger } from 'pino';
import type { InventoryReason } from '../schema/index.ts';
import {
  PosError,
  adjustInventory as adjustOperation,
  countInventory as countOperation,
  createInventoryItem,
  idSchema,
  inventoryItemId,
  inventoryReasonSchema,
  parseInput,
} from '../schema/index.ts';
import type { InventoryRowRefusal } from './sync-streams.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';

/**
 * The branch's stock as this terminal writes it: adjustments and counts as CRDT operations on the
 * local inventory rows, and the rows the cloud refused.
 */
export class TerminalInventory {
  readonly #db: TerminalDatabase;
  readonly #identity: Readonly<TerminalIdentity>;
  readonly #logger: () => Logger;
  readonly #onChange: () => void;
  /** Inventory rows the cloud refused, by id, until a later push of the row goes through. */
  readonly #refused = new Map<string, InventoryRowRefusal>();

  constructor(init: {
    db: TerminalDatabase;
    /** The terminal's identity, updated in place when the cloud moves the terminal. */
    identity: Readonly<TerminalIdentity>;
    logger: () => Logger;
    /** Called when the refusals changed. */
    onChange: () => void;
  }) {
    this.#db = init.db;
    this.#identity = init.identity;
    this.#logger = init.logger;
    this.#onChange = init.onChange;
  }

  /** The rows the cloud refused, for the status. */
  get refused(): InventoryRowRefusal[] {
    return [...this.#refused.values()];
  }

  /** See `Terminal.adjustInventory`. */
  async adjust(productId: string, delta: number, reason: InventoryReason): Promise<number> {
    parseInput(idSchema, productId, 'productId');
    parseInput(inventoryReasonSchema, reason, 'reason');
    checkStock(delta, 'delta', delta);
    const doc = await this.#item(productId);
    checkStock(doc.onHand + delta, 'delta', delta);
    const updated = await doc.updateCRDT(adjustOperation(delta, reason));
    return updated.onHand;
  }

  /** See `Terminal.countInventory`. */
  async count(productId: string, counted: number): Promise<number> {
    parseInput(idSchema, productId, 'productId');
    checkStock(counted, 'counted', counted);
    const doc = await this.#item(productId);
    const updated = await doc.updateCRDT(
      countOperation(counted, doc.onHand, new Date().toISOString()),
    );
    return updated.onHand;
  }

  /** An inventory push answer: the rows that went through and the rows the cloud refused. */
  onPushed(pushed: string[], refused: InventoryRowRefusal[]): void {
    for (const id of pushed) this.#refused.delete(id);
    for (const refusal of refused) this.#refused.set(refusal.id, refusal);
    if (refused.length > 0) this.#logger().warn({ refused }, 'inventory rows refused by the cloud');
    this.#onChange();
  }

  async #item(productId: string) {
    const id = inventoryItemId(this.#identity.branchId, productId);
    const existing = await this.#db.inventory.findOne(id).exec();
    if (existing) return existing;
    try {
      return await this.#db.inventory.insert(
        createInventoryItem(this.#identity.branchId, productId),
      );
    } catch {
      // Created meanwhile (by a pull): use that one.
      return this.#db.inventory.findOne(id).exec(true);
    }
  }
}

/** On-hand stock stays a safe integer: the cloud refuses a row whose counter leaves them. */
function checkStock(result: number, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || !Number.isSafeInteger(result)) {
    throw new PosError('POS_INPUT_INVALID', `invalid ${name}: ${String(value)}`);
  }
}

import type { Logger } from 'pino';
import { HlcClock } from '../replication/index.ts';
import type { Customer, CustomerCreate, CustomerPatch } from '../schema/index.ts';
import {
  PosError,
  createUuidV7,
  customerCreateSchema,
  customerPatchSchema,
  idSchema,
  newCustomerDocument,
  patchCustomerDocument,
  parseInput,
} from '../schema/index.ts';
import type { InventoryRowRefusal } from './sync-streams.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';

/** Hops `resolveCustomer` follows through `mergedInto` before it calls the chain broken. */
export const MERGE_HOPS_MAX = 8;

/**
 * The tenant's customers as this terminal edits them: created offline with a UUIDv7, each edited
 * field stamped with this installation's hybrid logical clock, so the cloud and every other terminal
 * merge the edits field by field (docs/design.md#ownership-rules).
 */
export class TerminalCustomers {
  readonly #db: TerminalDatabase;
  readonly #identity: Readonly<TerminalIdentity>;
  readonly #logger: () => Logger;
  readonly #onChange: () => void;
  readonly #clock: HlcClock;
  /** Customer rows the cloud refused, by id, until a later push of the row goes through. */
  readonly #refused = new Map<string, InventoryRowRefusal>();

  constructor(init: {
    db: TerminalDatabase;
    identity: Readonly<TerminalIdentity>;
    logger: () => Logger;
    /** Called when the refusals changed. */
    onChange: () => void;
    now?: () => number;
  }) {
    this.#db = init.db;
    this.#identity = init.identity;
    this.#logger = init.logger;
    this.#onChange = init.onChange;
    // The installation is the clock's node: unique, and stable across restarts and token changes.
    this.#clock = new HlcClock(init.identity.posId, init.now);
  }

  /** The rows the cloud refused, for the status. */
  get refused(): InventoryRowRefusal[] {
    return [...this.#refused.values()];
  }

  /** See `Terminal.createCustomer`. */
  async create(input: CustomerCreate): Promise<Customer> {
    const fields = parseInput(customerCreateSchema, input, 'customer');
    const tenantId = this.#identity.tenantId;
    if (tenantId === undefined) {
      throw new PosError('POS_SYNC_OFFLINE', 'the tenant is not known until the cloud was reached');
    }
    const doc = newCustomerDocument(createUuidV7(), tenantId, fields, this.#clock.tick());
    const inserted = await this.#db.customers.insert(doc);
    return inserted.toJSON() as Customer;
  }

  /** See `Terminal.updateCustomer`. */
  async update(id: string, patch: CustomerPatch): Promise<Customer> {
    const fields = parseInput(customerPatchSchema, patch, 'patch');
    const target = await this.resolve(id);
    const doc = await this.#db.customers.findOne(target.id).exec(true);
    const updated = await doc.incrementalModify((current) => {
      // Later than every edit this terminal has seen of the customer, whatever its wall clock says.
      for (const clock of Object.values(current.clocks)) this.#clock.receive(clock);
      return patchCustomerDocument(current, fields, this.#clock.tick());
    });
    return updated.toJSON() as Customer;
  }

  /**
   * The customer to act on for `id`: the customer itself, or the one an operator merged it into
   * (followed through every merge). `POS_NOT_FOUND` when this terminal does not hold it.
   */
  async resolve(id: string): Promise<Customer> {
    parseInput(idSchema, id, 'customerId');
    let current = id;
    for (let hop = 0; hop <= MERGE_HOPS_MAX; hop++) {
      const doc = await this.#db.customers.findOne(current).exec();
      if (!doc) throw new PosError('POS_NOT_FOUND', `customer ${current} is not known here`);
      const customer = doc.toJSON() as Customer;
      if (customer.mergedInto === null) return customer;
      current = customer.mergedInto;
    }
    throw new PosError('POS_NOT_FOUND', `customer ${id}: the merge chain does not end`);
  }

  /** A customers push answer: the rows that went through and the rows the cloud refused. */
  onPushed(pushed: string[], refused: InventoryRowRefusal[]): void {
    for (const id of pushed) this.#refused.delete(id);
    for (const refusal of refused) this.#refused.set(refusal.id, refusal);
    if (refused.length > 0) this.#logger().warn({ refused }, 'customer rows refused by the cloud');
    this.#onChange();
  }
}

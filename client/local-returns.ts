import type { ReturnedLine, Sale } from '../schema/index.ts';
import { addReturned } from '../schema/index.ts';

/**
 * The returns this terminal holds, by original, and the invoice numbers of its own sales: built from
 * the scan of the sales at open and kept current from the collection's changes, so `refund()` finds
 * what was returned of a sale without scanning the sales (docs/design.md#returns).
 */
export class LocalReturns {
  readonly #byOriginal = new Map<string, Map<string, Sale>>();
  readonly #saleIdByInvoice = new Map<number, string>();

  constructor(sales: Iterable<Sale>) {
    for (const sale of sales) this.note(sale);
  }

  /** A sale document was stored or changed (a return, or a sale whose invoice number arrived). */
  note(sale: Sale): void {
    if (sale.kind === 'sale' && sale.invoiceNo !== null) {
      this.#saleIdByInvoice.set(sale.invoiceNo, sale.id);
    }
    if (sale.kind !== 'return' || sale.returnOf === null) return;
    let returns = this.#byOriginal.get(sale.returnOf.saleId);
    if (!returns) this.#byOriginal.set(sale.returnOf.saleId, (returns = new Map()));
    returns.set(sale.id, sale);
  }

  /** The id of this terminal's sale with that invoice number of the branch, if it holds it. */
  saleIdOf(invoiceNo: number): string | undefined {
    return this.#saleIdByInvoice.get(invoiceNo);
  }

  /**
   * What this terminal's returns of `originalId` add up to per original line, counting those `which`
   * admits. A discarded return was never booked and returned nothing.
   */
  returned(originalId: string, which: (ret: Sale) => boolean = () => true): ReturnedLine[] {
    const returned: ReturnedLine[] = [];
    for (const ret of this.#byOriginal.get(originalId)?.values() ?? []) {
      if (ret.syncState !== 'discarded' && which(ret)) addReturned(returned, ret);
    }
    return returned;
  }
}

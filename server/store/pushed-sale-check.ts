import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../../replication/index.ts';
import type {
  ReturnProblem,
  Sale,
  SaleBounds,
  SaleError,
  SaleProblem,
} from '../../schema/index.ts';
import {
  PosError,
  checkCreatedAt,
  checkEventIdJump,
  idSchema,
  saleContentOf,
  saleIdempotencyKey,
  saleSchema,
  validateSale,
  withSaleV2Defaults,
  withoutSaleV2Defaults,
} from '../../schema/index.ts';
import type { IngestProblem, TerminalScope } from './cloud-store.ts';

/** Which event a pushed payload is: enough for its idempotency key and lost-sale detection. */
export type SaleEvent = { terminalId: string; posId: string; localEventId: number };

/** The codes a refused sale carries: invalid, or a return that does not fit its original. */
export type RefusalCode = 'POS_SYNC_EVENT_INVALID' | 'POS_FORBIDDEN' | ReturnProblem['code'];

/** Why a pushed sale is refused; what the dead letter and the terminal's copy carry. */
export type Refusal = {
  /** `POS_SYNC_EVENT_INVALID` unless a return check refused it (docs/design.md#returns). */
  code: RefusalCode;
  key: string | null;
  sale: Sale | null;
  /**
   * The event, when its identity is readable and within the `localEventId` bound (even if the rest of
   * the payload is not a valid sale): it arrived, so lost-sale detection must not count it missing.
   */
  event: SaleEvent | null;
  message: string;
  problems: IngestProblem[];
};

export type ValidPushedSale = {
  ok: true;
  input: unknown;
  sale: Sale;
  key: string;
  contentHash: string;
};
export type InvalidPushedSale = {
  ok: false;
  input: unknown;
  refusal: Refusal;
  contentHash: string | null;
};

/**
 * What the check knows beyond the payload: the branch's currency, the server's clock, the bounds, and
 * the highest `localEventId` that arrived from each installation (`posId`) of the pushing terminal.
 */
export type PushedSaleContext = {
  currency: string | undefined;
  now: Date;
  bounds: SaleBounds;
  highestArrived: ReadonlyMap<string, number>;
};

const saleEventSchema = z.object({
  terminalId: idSchema,
  posId: idSchema,
  localEventId: z.int().min(1),
});

/** The installations (`posId`) a batch speaks for, read leniently: whose progress the check needs. */
export function posIdsOf(inputs: unknown[]): string[] {
  const posIds = inputs.flatMap((input) => {
    const posId = (input as { posId?: unknown } | null)?.posId;
    return typeof posId === 'string' && idSchema.safeParse(posId).success ? [posId] : [];
  });
  return [...new Set(posIds)];
}

/**
 * Classifies one pushed sale before any write, the same way for every adapter: valid for this
 * terminal's scope (with its idempotency key and content hash), or refused with every problem. A sale
 * of the right shape but wrong sums or scope is still readable: the terminal gets it back marked
 * needs_attention, and the dead letter keeps its key. A payload that is not a valid sale keeps its key
 * too when its identity is readable.
 */
export function checkPushedSale(
  input: unknown,
  scope: TerminalScope,
  context: PushedSaleContext,
): ValidPushedSale | InvalidPushedSale {
  // A protocol-5 terminal sends no version-2 fields: its sales are plain sales made online. The
  // payload is kept as received (the dead letter's identity); only the check sees the defaults.
  const document = withSaleV2Defaults(input);
  const readableEvent = saleEventSchema.safeParse(document);
  const highestArrived = readableEvent.success
    ? (context.highestArrived.get(readableEvent.data.posId) ?? 0)
    : 0;
  const result = validateSale(document, {
    expectedBranchId: scope.branchId,
    expectedTerminalId: scope.terminalId,
    ...(context.currency === undefined ? {} : { expectedCurrency: context.currency }),
    now: context.now,
    bounds: context.bounds,
    highestArrivedEventId: highestArrived,
  });
  if (!result.ok) {
    const readable = saleSchema.safeParse(document);
    const sale = readable.success ? readable.data : null;
    const event = readableEvent.success ? readableEvent.data : null;
    const jumped =
      event !== null &&
      checkEventIdJump(event.localEventId, highestArrived, context.bounds) !== null;
    return {
      ok: false,
      input,
      contentHash: sale ? hashSaleContent(sale) : null,
      refusal: {
        code: 'POS_SYNC_EVENT_INVALID',
        key: event ? saleIdempotencyKey(event) : null,
        sale,
        event: event && !jumped ? pickEvent(event) : null,
        message: summarizeProblems(result.problems),
        problems: result.problems,
      },
    };
  }
  return {
    ok: true,
    input,
    sale: result.sale,
    key: saleIdempotencyKey(result.sale),
    contentHash: hashSaleContent(result.sale),
  };
}

/** The refusal of a valid sale for a reason found at ingest (a key or id already booked). */
export function refusalOfValid(
  c: ValidPushedSale,
  message: string,
  problems: IngestProblem | IngestProblem[],
  code: RefusalCode = 'POS_SYNC_EVENT_INVALID',
): InvalidPushedSale {
  return {
    ok: false,
    input: c.input,
    contentHash: c.contentHash,
    refusal: {
      code,
      key: c.key,
      sale: c.sale,
      event: pickEvent(c.sale),
      message,
      problems: Array.isArray(problems) ? problems : [problems],
    },
  };
}

/** The dead letter an operator accepts, as far as the check needs it. */
export type AcceptedEntry = {
  payload: unknown;
  branchId: string;
  terminalId: string;
  receivedAt: string;
};

/**
 * Checks a dead letter's payload before an operator's accept books it as received. The operator may
 * overrule the sums, not what would corrupt the books: it must be a sale of the shared shape, of the
 * branch and terminal that pushed it, with a `createdAt` inside the window around its receipt and a
 * `localEventId` inside the jump bound. Throws `POS_INPUT_INVALID` naming the reason.
 */
export function checkAcceptedSale(
  entry: AcceptedEntry,
  bounds: SaleBounds,
  highestArrived: (posId: string) => number,
): Sale {
  const parsed = saleSchema.safeParse(withSaleV2Defaults(entry.payload));
  if (!parsed.success) {
    throw new PosError('POS_INPUT_INVALID', 'the payload is not a readable sale; discard it');
  }
  const sale = parsed.data;
  if (sale.branchId !== entry.branchId || sale.terminalId !== entry.terminalId) {
    throw new PosError('POS_INPUT_INVALID', 'the sale claims another branch or terminal');
  }
  const outOfBounds =
    checkCreatedAt(sale.createdAt, new Date(entry.receivedAt), bounds) ??
    checkEventIdJump(sale.localEventId, highestArrived(sale.posId), bounds);
  if (outOfBounds) {
    throw new PosError('POS_INPUT_INVALID', `${outOfBounds.message}; discard it`, {
      rule: outOfBounds.rule,
    });
  }
  return sale;
}

/** The refusal of an accept whose key is booked with other content: exactly once per key. */
export function keyAlreadyBooked(key: string, invoiceNo: number | null): PosError {
  return new PosError(
    'POS_INPUT_INVALID',
    `a sale is already booked under key ${key} (invoice ${invoiceNo}); discard this one`,
    { eventKey: key, invoiceNo },
  );
}

function pickEvent(event: SaleEvent): SaleEvent {
  return { terminalId: event.terminalId, posId: event.posId, localEventId: event.localEventId };
}

/**
 * The content hash that tells a redelivery (same content) from a key reused for other content.
 * Version-2 fields at their version-1 values are left out, so a sale booked before the upgrade keeps
 * its hash when it is delivered again.
 */
export function hashSaleContent(sale: Sale): string {
  return sha256Hex(canonicalJson(withoutSaleV2Defaults(saleContentOf(sale))));
}

/** One line for the dead letter and the terminal: the first three problems and how many more. */
export function summarizeProblems(problems: SaleProblem[]): string {
  const first = problems.slice(0, 3).map((p) => `${p.path || '(sale)'}: ${p.message}`);
  const more = problems.length > 3 ? ` (+${problems.length - 3} more)` : '';
  return `invalid sale: ${first.join('; ')}${more}`.slice(0, 2000);
}

/**
 * Where the dead-letter queue filed a refused payload: its open entry (new, or the one a redelivery of
 * the same payload maps to), or the entry an operator discarded, with the note (`discardNote` set).
 * A discard is final: the same payload delivered again reopens nothing.
 */
export type FiledRefusal = { rejectedEventId: string; discardNote: string | null };

/**
 * The error a refused sale carries back to its terminal: the refusal, or, once an operator discarded
 * it, the operator's note (the same code either way).
 */
export function refusalError(
  message: string,
  discardNote: string | null,
  code: RefusalCode = 'POS_SYNC_EVENT_INVALID',
): SaleError {
  return {
    code,
    message:
      discardNote === null ? message : `Discarded by an operator: ${discardNote}`.slice(0, 2000),
  };
}

/**
 * The terminal's copy of a refused sale as the cloud answers it: `needs_attention` with the refusal,
 * or `discarded` with the operator's note when the payload's dead letter was discarded.
 */
export function refusedSaleCopy(
  sale: Sale,
  message: string,
  discardNote: string | null,
  code: RefusalCode = 'POS_SYNC_EVENT_INVALID',
): Sale {
  return {
    ...sale,
    syncState: discardNote === null ? 'needs_attention' : 'discarded',
    lastError: refusalError(message, discardNote, code),
  };
}

const INT32_MAX = 2 ** 31 - 1;
const anyInt = z.int().catch(0);
const int32 = z.int().min(-INT32_MAX).max(INT32_MAX).catch(0);
const anyString = z.string().catch('');

/**
 * The pushed document read leniently, each field replaced by a placeholder when it is not even of
 * the wire type: the answer must serialise as a `Sale` whatever a forged row held. Only `id`, the
 * cloud fields and the sync state matter to the terminal, which applies them to its own copy.
 */
const pushedDocumentEchoSchema = z.object({
  id: z.string(),
  terminalId: anyString,
  posId: anyString,
  localEventId: anyInt,
  branchId: anyString,
  cashierId: z.string().nullable().catch(null),
  createdAt: anyString,
  currency: anyString,
  lines: z
    .array(
      z.object({
        productId: anyString,
        sku: anyString,
        name: anyString,
        quantity: anyInt,
        unitPriceMinor: anyInt,
        discountMinor: anyInt,
        taxRateBps: int32,
        taxMinor: anyInt,
        lineTotalMinor: anyInt,
      }),
    )
    .catch([]),
  totals: z
    .object({ subtotalMinor: anyInt, discountMinor: anyInt, taxMinor: anyInt, totalMinor: anyInt })
    .catch({ subtotalMinor: 0, discountMinor: 0, taxMinor: 0, totalMinor: 0 }),
  payments: z.array(z.object({ method: anyString, amountMinor: anyInt })).catch([]),
  changeMinor: anyInt,
  syncAttempts: int32,
});

/**
 * What the push answers for a refused payload, so that every refused sale reaches its terminal as
 * `needs_attention` (or `discarded`) with its code and is not pushed again: the readable sale marked
 * so, or, for a payload that is no valid sale, the pushed document echoed and marked so. `null` only
 * when the payload has no string `id` the terminal could match the answer to.
 */
export function refusalAnswer(
  refusal: Refusal,
  input: unknown,
  discardNote: string | null,
): Sale | null {
  if (refusal.sale) {
    return refusedSaleCopy(refusal.sale, refusal.message, discardNote, refusal.code);
  }
  const echo = pushedDocumentEchoSchema.safeParse(input);
  if (!echo.success) return null;
  return {
    ...(echo.data as unknown as Sale),
    invoiceNo: null,
    ingestedAt: null,
    syncState: discardNote === null ? 'needs_attention' : 'discarded',
    lastError: refusalError(refusal.message, discardNote, refusal.code),
  };
}

import { canonicalJson, sha256Hex } from '../../replication/index.ts';
import type { Sale, SaleError, SaleProblem } from '../../schema/index.ts';
import { saleContentOf, saleIdempotencyKey, saleSchema, validateSale } from '../../schema/index.ts';
import type { IngestProblem, TerminalScope } from './cloud-store.ts';

/** Why a pushed sale is refused; what the dead letter and the terminal's copy carry. */
export type Refusal = {
  key: string | null;
  sale: Sale | null;
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
 * Classifies one pushed sale before any write, the same way for every adapter: valid for this
 * terminal's scope (with its idempotency key and content hash), or refused with every problem. A sale
 * of the right shape but wrong sums or scope is still readable: the terminal gets it back marked
 * needs_attention, and the dead letter keeps its key.
 */
export function checkPushedSale(
  input: unknown,
  scope: TerminalScope,
  currency: string | undefined,
): ValidPushedSale | InvalidPushedSale {
  const result = validateSale(input, {
    expectedBranchId: scope.branchId,
    expectedTerminalId: scope.terminalId,
    ...(currency === undefined ? {} : { expectedCurrency: currency }),
  });
  if (!result.ok) {
    const readable = saleSchema.safeParse(input);
    const sale = readable.success ? readable.data : null;
    return {
      ok: false,
      input,
      contentHash: sale ? hashSaleContent(sale) : null,
      refusal: {
        key: sale ? saleIdempotencyKey(sale) : null,
        sale,
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

/** The content hash that tells a redelivery (same content) from a key reused for other content. */
export function hashSaleContent(sale: Sale): string {
  return sha256Hex(canonicalJson(saleContentOf(sale)));
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
export function refusalError(message: string, discardNote: string | null): SaleError {
  return {
    code: 'POS_SYNC_EVENT_INVALID',
    message:
      discardNote === null ? message : `Discarded by an operator: ${discardNote}`.slice(0, 2000),
  };
}

/**
 * The terminal's copy of a refused sale as the cloud answers it: `needs_attention` with the refusal,
 * or `discarded` with the operator's note when the payload's dead letter was discarded.
 */
export function refusedSaleCopy(sale: Sale, message: string, discardNote: string | null): Sale {
  return {
    ...sale,
    syncState: discardNote === null ? 'needs_attention' : 'discarded',
    lastError: refusalError(message, discardNote),
  };
}

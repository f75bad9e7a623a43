/** How a registered error code behaves on the wire and for the retry policy. */
export type ErrorCodeInfo = {
  /** Default message, safe to show to a client. */
  readonly message: string;
  /** Whether the same request may succeed when simply sent again later. */
  readonly retryable: boolean;
  /** HTTP status the server answers with when the error ends the request. */
  readonly httpStatus: number;
  /** Set when a code is retired: it stays listed forever so it is never reused. */
  readonly retired?: string;
};

/**
 * The registry of stable error codes. They travel in GraphQL `extensions.code` and in logs as
 * `errorCode`; they are public API: never renamed, never reused, retired codes stay listed with a reason.
 * The first nine are the founding codes (docs/design.md#error-model); the rest came later.
 */
export const ERROR_CODES = {
  POS_SYNC_UNAUTHORIZED: {
    message: 'A valid terminal token is required.',
    retryable: false,
    httpStatus: 401,
  },
  POS_SYNC_RATE_LIMITED: {
    message: 'Too many requests from this terminal; retry after the given delay.',
    retryable: true,
    httpStatus: 429,
  },
  POS_CATALOG_SNAPSHOT_FAILED: {
    message: 'The catalog snapshot could not be served.',
    retryable: true,
    httpStatus: 503,
  },
  POS_CATALOG_DELTA_FAILED: {
    message: 'The catalog changes could not be served.',
    retryable: true,
    httpStatus: 503,
  },
  POS_CATALOG_RECONCILE_FAILED: {
    message: 'The catalog could not be reconciled.',
    retryable: true,
    httpStatus: 503,
  },
  POS_CATALOG_MANIFEST_TOO_LARGE: {
    message: 'The manifest exceeds the size limit; ask for fewer buckets per request.',
    retryable: false,
    httpStatus: 413,
  },
  POS_SYNC_EVENT_INVALID: {
    message: 'The event was refused: it is invalid or conflicts with an event of the same key.',
    retryable: false,
    httpStatus: 400,
  },
  POS_SYNC_EVENT_DUPLICATE: {
    message: 'The event was already ingested; this delivery was acknowledged as a duplicate.',
    retryable: false,
    httpStatus: 200,
  },
  POS_SYNC_STORAGE_FAILED: {
    message: 'The cloud could not store the data; nothing was changed.',
    retryable: true,
    httpStatus: 503,
  },
  POS_INPUT_INVALID: {
    message: 'The input is invalid.',
    retryable: false,
    httpStatus: 400,
  },
  POS_FORBIDDEN: {
    message: 'The token does not allow this operation on this scope.',
    retryable: false,
    httpStatus: 403,
  },
  POS_NOT_FOUND: {
    message: 'The requested record does not exist.',
    retryable: false,
    httpStatus: 404,
  },
  POS_CATALOG_RESNAPSHOT_REQUIRED: {
    message: 'The checkpoint is older than the retained changes; pull a new snapshot.',
    retryable: false,
    httpStatus: 410,
  },
  POS_TERMINAL_REVOKED: {
    message: 'This terminal was revoked by an administrator.',
    retryable: false,
    httpStatus: 401,
  },
  POS_PRODUCT_UNAVAILABLE: {
    message: 'The product is unknown, inactive or not sold in this branch.',
    retryable: false,
    httpStatus: 409,
  },
  POS_PROTOCOL_MISMATCH: {
    message: 'The terminal speaks a protocol version the server does not support.',
    retryable: false,
    httpStatus: 426,
  },
  POS_SYNC_OFFLINE: {
    message: 'The cloud could not be reached.',
    retryable: true,
    httpStatus: 503,
  },
  POS_TERMINAL_ALREADY_REVOKED: {
    message: 'The terminal is revoked; it cannot be reassigned.',
    retryable: false,
    httpStatus: 409,
  },
  POS_LOCAL_UNAUTHORIZED: {
    message: "The terminal's local token is missing or wrong.",
    retryable: false,
    httpStatus: 401,
  },
  POS_TERMINAL_UNREACHABLE: {
    message: 'The terminal daemon is not connected; a command in flight may or may not have run.',
    retryable: true,
    httpStatus: 503,
  },
  POS_TERMINAL_FAILED: {
    message: 'The terminal could not run the command.',
    retryable: false,
    httpStatus: 500,
  },
  POS_INVENTORY_OPERATIONS_LIMIT: {
    message:
      'The inventory row was refused: the push adds too many operations to it, or its log would grow past the limit.',
    retryable: false,
    httpStatus: 413,
  },
  POS_RETURN_EXCEEDS_SOLD: {
    message:
      'The return was refused: with the returns already booked it returns more of a line than was sold.',
    retryable: false,
    httpStatus: 409,
  },
  POS_RETURN_ORIGINAL_UNKNOWN: {
    message:
      'The return was refused: its original sale is not booked in this branch, or is not a sale.',
    retryable: false,
    httpStatus: 404,
  },
  POS_RETURN_AMOUNT_MISMATCH: {
    message:
      "The return was refused: its lines or amounts do not match the original sale's lines pro rata.",
    retryable: false,
    httpStatus: 409,
  },
  POS_OFFLINE_LIMIT_EXCEEDED: {
    message:
      "Refused at the till: beyond the offline limits of the branch's policy; a manager may override.",
    retryable: false,
    httpStatus: 403,
  },
  POS_CREDIT_LIMIT_EXCEEDED: {
    message:
      "Refused at the till: the charge exceeds the customer's available credit; a manager may override.",
    retryable: false,
    httpStatus: 403,
  },
  POS_ACCOUNT_NOT_ACTIVE: {
    message:
      "Refused at the till: the customer's account is on hold or closed and takes no charges.",
    retryable: false,
    httpStatus: 403,
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** One of the registered error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes by name, for `ErrorCode.POS_NOT_FOUND`-style references without string literals. */
export const ErrorCode = Object.fromEntries(
  Object.keys(ERROR_CODES).map((code) => [code, code]),
) as { readonly [C in ErrorCode]: C };

/** Whether a string is a registered error code (a code from the wire may be anything). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** A failed GraphQL call: `code` is the server's `extensions.code`, absent for network failures. */
export class SyncRequestError extends Error {
  override readonly name = 'SyncRequestError';
  readonly code: string | null;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, code: string | null, retryAfterMs?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** What a sync call reports to whoever tracks connectivity and auth. */
export type SyncCallObserver = {
  /** Any answer from the server, even an error: the network works. */
  onReachable(): void;
  /** No answer (connection refused, reset, timeout). */
  onUnreachable(error: unknown): void;
  /** An answer with an error code; `operation` is the GraphQL operation name. */
  onErrorCode(code: string, operation: string): void;
};

/** A GraphQL request as sent over HTTP or the WebSocket. */
export type GraphQLRequestBody = {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
};

/**
 * Runs a GraphQL request over an open WebSocket, or answers `undefined` when there is none (then the
 * request goes over HTTP). A rejection means the socket failed the request (closed, timed out): HTTP
 * takes it over. GraphQL errors are an answer, not a rejection.
 */
export type SocketTransport = (request: GraphQLRequestBody) => Promise<GraphQLBody> | undefined;

export type GraphQLBody = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; retryAfterMs?: number } }[];
};

/**
 * Bodies the observed fetch already parsed, by the Response it handed out: the terminal's own caller
 * reads them from here instead of parsing the same JSON again (a 5,000-document snapshot page is
 * megabytes). RxDB's replication reads the Response as usual.
 */
const parsedBodies = new WeakMap<Response, GraphQLBody>();

/** Whether a request is a query (the operation documents of `replication/` start with their type). */
function isQuery(request: GraphQLRequestBody): boolean {
  return /^\s*(query\b|\{)/.test(request.query);
}

/** A GraphQL request body (a JSON string), or null for anything else (not one of ours). */
function requestBodyOf(body: unknown): GraphQLRequestBody | null {
  if (typeof body !== 'string') return null;
  try {
    const parsed = JSON.parse(body) as Partial<GraphQLRequestBody>;
    return typeof parsed.query === 'string' ? (parsed as GraphQLRequestBody) : null;
  } catch {
    return null;
  }
}

/** The first error's code and retry hint of a GraphQL answer, or null when it has no errors. */
export function errorOfAnswer(body: GraphQLBody, status: number): SyncRequestError | null {
  const first = body.errors?.[0];
  if (!first) {
    if (status >= 500) return new SyncRequestError(`HTTP ${status}`, null);
    return null;
  }
  const code = first.extensions?.code ?? null;
  return new SyncRequestError(first.message, code, first.extensions?.retryAfterMs);
}

/**
 * Wraps `fetch` for RxDB's `replicateGraphQL` and for the terminal's own calls: reports reachability
 * and error codes to the observer (auth loss, re-snapshot answers), and turns a proxy's non-JSON error
 * page into a GraphQL-shaped network error so RxDB retries instead of failing on `res.json()`.
 * With a `socket`, a query (a pull, reconcile) goes over the terminal's open WebSocket when there is
 * one: a pull woken by a hint then costs the cloud a message on a connection it already has instead of
 * an HTTP request (about half the cloud's CPU per pull), and HTTP remains the path whenever the socket
 * is not open. Mutations (pushes) always take HTTP: one path for writes and their status codes.
 */
export function createObservedFetch(
  observer: SyncCallObserver,
  timeoutMs = 30_000,
  socket?: SocketTransport,
): typeof globalThis.fetch {
  return async (input, init) => {
    // RxDB's replication hands over a Request, the terminal's own caller a URL and a string body.
    // A Request's body is read once, and sent again as that text if the request goes over HTTP.
    if (input instanceof Request) {
      const text = await input.text();
      init = { method: input.method, headers: input.headers, body: text };
      input = input.url;
    }
    const request = requestBodyOf(init?.body);
    const operation = request?.operationName ?? 'unknown';
    const overSocket = request && isQuery(request) ? socket?.(request) : undefined;
    if (overSocket) {
      try {
        return answer(await overSocket, 200, operation);
      } catch {
        // The socket failed this request (it closed, or no answer in time): HTTP takes it over.
      }
    }
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      observer.onUnreachable(error);
      throw error;
    }
    const text = await response.text();
    let body: GraphQLBody;
    try {
      body = JSON.parse(text) as GraphQLBody;
    } catch {
      observer.onUnreachable(new Error(`HTTP ${response.status}: not a GraphQL answer`));
      throw new SyncRequestError(`HTTP ${response.status}: not a GraphQL answer`, null);
    }
    return answer(body, response.status, operation, text);
  };

  /** An answer of either path, as RxDB and the caller read it; reported to the observer. */
  function answer(
    body: GraphQLBody,
    status: number,
    operation: string,
    text = JSON.stringify(body),
  ): Response {
    observer.onReachable();
    const error = errorOfAnswer(body, status);
    if (error?.code) observer.onErrorCode(error.code, operation);
    const response = new Response(text, {
      status,
      headers: { 'content-type': 'application/json' },
    });
    parsedBodies.set(response, body);
    return response;
  }
}

/** A small GraphQL caller for the push worker and reconcile, over the observed fetch. */
export class GraphQLCaller {
  readonly #url: string;
  readonly #fetch: typeof globalThis.fetch;
  #token: string;

  constructor(url: string, token: string, fetchImpl: typeof globalThis.fetch) {
    this.#url = url;
    this.#token = token;
    this.#fetch = fetchImpl;
  }

  /** Runs one operation and returns `data[field]`, or throws a `SyncRequestError`. */
  async call<T>(
    query: string,
    operationName: string,
    variables: Record<string, unknown>,
  ): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` },
        body: JSON.stringify({ query, operationName, variables }),
      });
    } catch (error) {
      if (error instanceof SyncRequestError) throw error;
      throw new SyncRequestError(`network: ${(error as Error).message}`, null, undefined, error);
    }
    const body = parsedBodies.get(response) ?? ((await response.json()) as GraphQLBody);
    const error = errorOfAnswer(body, response.status);
    if (error) throw error;
    const data = body.data?.[operationName];
    if (data === undefined) throw new SyncRequestError(`no data for ${operationName}`, null);
    return data as T;
  }
}

/** Whether a code means the token no longer works: stop syncing until an operator acts. */
export function isAuthLoss(code: string | null | undefined): boolean {
  return code === 'POS_SYNC_UNAUTHORIZED' || code === 'POS_TERMINAL_REVOKED';
}

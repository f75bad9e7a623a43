import type { Client } from 'graphql-ws';
import { createClient } from 'graphql-ws';

/** A refusal of the API, with its stable code (`POS_*`) and message. */
export class ApiError extends Error {
  readonly code: string;
  readonly extensions: Record<string, unknown>;
  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.extensions = extensions;
  }
}

type GraphQLAnswer = {
  data?: any;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

/**
 * The console's only way to the server: the public GraphQL API with the admin token, over HTTP for
 * queries and mutations and over graphql-ws (the terminals' socket endpoint) for live feeds.
 */
export class ConsoleApi {
  readonly #token: string;
  readonly #httpUrl: string;
  readonly #wsUrl: string;
  #ws: Client | null = null;

  constructor(token: string, origin: string = location.origin) {
    this.#token = token;
    this.#httpUrl = `${origin}/graphql`;
    this.#wsUrl = `${origin.replace(/^http/, 'ws')}/graphql`;
  }

  /** The raw answer (for callers that read error details, like the import's dry run). */
  async answer(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLAnswer> {
    let response: Response;
    try {
      response = await fetch(this.#httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new ApiError(
        'POS_SYNC_OFFLINE',
        `The server did not answer: ${(error as Error).message}`,
      );
    }
    const body = (await response.json().catch(() => null)) as GraphQLAnswer | null;
    if (!body) throw new ApiError('POS_INTERNAL', `Unexpected answer (HTTP ${response.status})`);
    return body;
  }

  /** The data of an operation; an error answer throws `ApiError` with the first error's code. */
  async gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const body = await this.answer(query, variables);
    const error = body.errors?.[0];
    if (error) {
      const { code, ...rest } = error.extensions ?? {};
      throw new ApiError(String(code ?? 'POS_INTERNAL'), error.message, rest);
    }
    return body.data as T;
  }

  /** A subscription; `onEvent` per event. Returns the function that ends it. */
  subscribe<T>(
    query: string,
    variables: Record<string, unknown>,
    onEvent: (data: T) => void,
    onError: (error: ApiError) => void,
  ): () => void {
    this.#ws ??= createClient({
      url: this.#wsUrl,
      connectionParams: { headers: { Authorization: `Bearer ${this.#token}` } },
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
    });
    return this.#ws.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          const error = value.errors?.[0];
          if (error) {
            onError(
              new ApiError(String(error.extensions?.['code'] ?? 'POS_INTERNAL'), error.message),
            );
          } else if (value.data) onEvent(value.data as T);
        },
        error: (error) =>
          onError(
            new ApiError(
              'POS_SYNC_OFFLINE',
              error instanceof Error ? error.message : 'The live connection closed.',
            ),
          ),
        complete: () => {},
      },
    );
  }

  /** Closes the live connection (sign out). */
  close(): void {
    void this.#ws?.dispose();
    this.#ws = null;
  }
}

/** A message for any failure: the stable code first, then the text. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  return { code: 'POS_INTERNAL', message: (error as Error)?.message ?? String(error) };
}

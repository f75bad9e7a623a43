import { createGraphQLError } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import { presentedToken } from './use-auth.ts';

/**
 * Largest body of a request that presents no token: it may only ask for GraphQL's own fields
 * (`__typename`, introspection, a few KiB), so it need not cost the server a large read and parse.
 */
export const ANONYMOUS_BODY_LIMIT_BYTES = 64 * 1024;

function tooLarge(limitBytes: number) {
  return createGraphQLError(`the request body exceeds the limit of ${limitBytes} bytes`, {
    extensions: { code: 'POS_INPUT_INVALID', limitBytes, http: { status: 413 } },
  });
}

/** Reads a body, failing as soon as it passes `limitBytes` instead of buffering all of it first. */
async function readBodyWithin(request: Request, limitBytes: number): Promise<Uint8Array> {
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      throw tooLarge(limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Bounds the HTTP request body: `limitBytes`, or `ANONYMOUS_BODY_LIMIT_BYTES` when the headers present
 * no token (checked for presence only; a forged token is refused after the body, within `limitBytes`).
 * A declared `content-length` above the limit is refused before reading; a chunked body is counted
 * while it streams. The body is then handed to whichever parser yoga chose.
 */
export function useBodyLimit(bodyLimitBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method !== 'POST' || !requestParser) return;
      const limitBytes =
        presentedToken({ request }) === null
          ? Math.min(bodyLimitBytes, ANONYMOUS_BODY_LIMIT_BYTES)
          : bodyLimitBytes;
      const declared = Number(request.headers.get('content-length') ?? '0');
      if (declared > limitBytes) throw tooLarge(limitBytes);
      setRequestParser(async (original) => {
        const body = await readBodyWithin(original, limitBytes);
        const headers = new Headers(original.headers);
        headers.delete('content-length');
        return requestParser(
          new Request(original.url, { method: 'POST', headers, body: body as BodyInit }),
        );
      });
    },
  };
}

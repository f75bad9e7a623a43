import { createGraphQLError } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';

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
 * Bounds the HTTP request body. A declared `content-length` above the limit is refused before reading;
 * a chunked body is counted while it streams. The body is then handed to whichever parser yoga chose.
 */
export function useBodyLimit(limitBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method !== 'POST' || !requestParser) return;
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

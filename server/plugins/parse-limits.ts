import { GraphQLError, Lexer, Source, TokenKind, parse } from 'graphql';
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The bounds a document must keep before it is parsed. */
export type ParseLimits = { maxTokens: number; maxNesting: number };

/**
 * Brackets of any kind (`{`, `[`, `(`) open at once. graphql's parser and validation rules recurse
 * once per level, so a few thousand levels overflow the stack; no real operation nests past 15.
 */
export const MAX_NESTING = 64;

function inputInvalid(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { ...extensions, code: 'POS_INPUT_INVALID', http: { status: 400 } },
  });
}

/** The refusal of a document whose parse or validation overflowed the stack. */
export function tooNestedError(): GraphQLError {
  return inputInvalid('the document is nested too deeply');
}

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * Parses `source` within `limits`: one lexer pass (stopping at the first breach, so a 7 MB document
 * costs what its first `maxTokens` tokens do) bounds the nesting, then graphql's parse with its own
 * `maxTokens`. A stack overflow that still happens is the client's document, never a server failure.
 */
export function parseWithinLimits(source: string, limits: ParseLimits): DocumentNode {
  const lexer = new Lexer(new Source(source));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > limits.maxTokens) {
        throw inputInvalid(`the document has more than ${limits.maxTokens} tokens`, {
          limit: limits.maxTokens,
        });
      }
      if (OPENING.has(token.kind)) {
        nesting += 1;
        if (nesting > limits.maxNesting) {
          throw inputInvalid(`the document nests deeper than ${limits.maxNesting} brackets`, {
            limit: limits.maxNesting,
          });
        }
      } else if (CLOSING.has(token.kind)) nesting -= 1;
    }
  } catch (error) {
    // A syntax error is left to parse, which words it the same way with its location.
    if (!(error instanceof GraphQLError) || error.extensions['code'] === 'POS_INPUT_INVALID')
      throw error;
  }
  try {
    return parse(source, { maxTokens: limits.maxTokens });
  } catch (error) {
    if (error instanceof RangeError) throw tooNestedError();
    throw error;
  }
}

/**
 * Parses every operation (HTTP and WebSocket) within `limits`, and maps a stack overflow in
 * validation (graphql's own rules recurse through fragment spreads) to the client's error.
 */
export function useParseLimits(limits: ParseLimits): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source) =>
        parseWithinLimits(typeof source === 'string' ? source : source.body, limits),
      );
    },
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((...args) => {
        try {
          return validateFn(...args);
        } catch (error) {
          if (error instanceof RangeError) return [tooNestedError()];
          throw error;
        }
      });
    },
  };
}

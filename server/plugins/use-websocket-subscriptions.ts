import type { Plugin } from 'graphql-yoga';
import { PosError } from '../../schema/index.ts';
import { toGraphQLError } from './pos-errors.ts';

/**
 * Subscriptions run over graphql-ws only, not as HTTP event streams: a terminal's sockets are the
 * connections the server caps and closes on revoke or reassign, and an event stream would be a
 * second, unguarded way to keep receiving hints. HTTP operations carry yoga's `request` in their
 * context; WebSocket ones do not.
 */
export function useWebSocketSubscriptions(): Plugin {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      if (!('request' in (args.contextValue as object))) return;
      const refusal = new PosError(
        'POS_INPUT_INVALID',
        'Subscriptions are served over WebSocket (graphql-ws) only.',
      );
      setResultAndStopExecution({ errors: [toGraphQLError(refusal)] });
    },
  };
}

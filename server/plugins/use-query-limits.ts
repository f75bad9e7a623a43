import type { Plugin } from 'graphql-yoga';
import { maxAliasesRule, maxDepthRule } from './query-limits.ts';

/** Adds the depth and alias validation rules to every operation, HTTP and WebSocket alike. */
export function useQueryLimits(options: { maxDepth: number; maxAliases: number }): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxDepthRule(options.maxDepth));
      addValidationRule(maxAliasesRule(options.maxAliases));
    },
  };
}

import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Validation messages without graphql's "Did you mean …?" hints, which spell out the schema's names. */
function withoutSuggestions<E extends Error>(errors: readonly E[]): E[] {
  for (const error of errors) {
    error.message = error.message.replace(/\s*Did you mean [^?]*\?/g, '');
  }
  return [...errors];
}

/**
 * How much of the schema a caller may learn: introspection (`__schema`, `__type`) and field
 * suggestions in validation errors, both off unless turned on (development mode turns them on).
 */
export function useSchemaExposure(options: {
  introspection: boolean;
  fieldSuggestions: boolean;
}): Plugin {
  return {
    onValidate({ addValidationRule }) {
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      if (options.fieldSuggestions) return;
      return ({ result, setResult }) => setResult(withoutSuggestions(result));
    },
  };
}

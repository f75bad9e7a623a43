import { GraphQLError, Kind } from 'graphql';
import type {
  ASTVisitor,
  FragmentDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';

function limitError(message: string, limit: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'POS_INPUT_INVALID', limit },
  });
}

/**
 * Depth of a selection set, fragments expanded. Introspection fields (`__schema`, `__type`) are not
 * counted: GraphiQL's introspection query is deep by nature and answered from the schema alone.
 * Each fragment's depth is computed once (`memo`): expanding spreads afresh at every use is
 * exponential in a chain of fragments each spreading the next twice. A fragment spread that is
 * already on the path (a cycle) counts as nothing: the standard `NoFragmentCycles` rule reports it.
 */
function depthOf(
  selectionSet: SelectionSetNode | undefined,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  memo: Map<string, number>,
  visiting: Set<string>,
): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, memo, visiting));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, memo, visiting));
    } else {
      deepest = Math.max(deepest, fragmentDepth(selection.name.value, fragments, memo, visiting));
    }
  }
  return deepest;
}

function fragmentDepth(
  name: string,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  memo: Map<string, number>,
  visiting: Set<string>,
): number {
  const known = memo.get(name);
  if (known !== undefined) return known;
  const fragment = fragments[name];
  if (!fragment || visiting.has(name)) return 0;
  visiting.add(name);
  const depth = depthOf(fragment.selectionSet, fragments, memo, visiting);
  visiting.delete(name);
  memo.set(name, depth);
  return depth;
}

/** Refuses operations whose selections nest deeper than `maxDepth` fields. */
export function maxDepthRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments[definition.name.value] = definition;
    }
    const memo = new Map<string, number>();
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, fragments, memo, new Set());
        if (depth > maxDepth) {
          context.reportError(
            limitError(`query depth ${depth} exceeds the limit of ${maxDepth}`, maxDepth),
          );
        }
      },
    };
  };
}

/**
 * Refuses documents with more than `maxAliases` aliases. Aliases let one request run the same expensive
 * field many times (`a: pullProducts(...) b: pullProducts(...)`), bypassing per-request limits.
 */
export function maxAliasesRule(maxAliases: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    let reported = false;
    return {
      Field(node) {
        if (!node.alias || reported) return;
        aliases += 1;
        if (aliases > maxAliases) {
          reported = true;
          context.reportError(
            limitError(`the document uses more than ${maxAliases} aliases`, maxAliases),
          );
        }
      },
    };
  };
}

import { parseArgs } from 'node:util';
import { parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode, ValidationRule } from 'graphql';
import { buildSchema } from '../../server/graphql/schema.ts';
import { maxAliasesRule, maxDepthRule } from '../../server/plugins/query-limits.ts';
import { formatTable, ms, ratio, summarize } from './bench-utils.ts';

/**
 * The cost of the query limit rules on hostile documents, against graphql's own `validate` of the same
 * document in the same run. The fragment chain (each fragment spreading the next twice) is the document
 * whose depth took seconds while spreads were expanded afresh at every use.
 */
const { values } = parseArgs({
  options: {
    fragments: { type: 'string', default: '26' },
    runs: { type: 'string', default: '200' },
  },
});
const fragmentCount = Number(values.fragments);
const runs = Number(values.runs);

function fragmentChain(count: number): string {
  let text = 'query { ...F0 }\n';
  for (let i = 0; i < count; i++) {
    const next = i + 1 < count ? ` ...F${i + 1} ...F${i + 1}` : '';
    text += `fragment F${i} on Query { __typename${next} }\n`;
  }
  return text;
}

/** p50 of each rule set, measured in alternating rounds so load on the machine hits all alike. */
function measureAll(
  document: DocumentNode,
  ruleSets: readonly (readonly ValidationRule[])[],
): number[] {
  const schema = buildSchema();
  const samples = ruleSets.map(() => [] as number[]);
  for (let round = -1; round < runs; round++) {
    ruleSets.forEach((rules, i) => {
      const start = performance.now();
      validate(schema, document, rules);
      if (round >= 0) samples[i]!.push(performance.now() - start);
    });
  }
  return samples.map((s) => summarize(s).p50);
}

/** A ratio with enough digits for rules that cost a small share of the baseline. */
function share(value: number, base: number): string {
  return `${(value / base).toFixed(3)}x`;
}

const text = fragmentChain(fragmentCount);
const document = parse(text);
const [baseline, depthOnly, aliasesOnly, all] = measureAll(document, [
  specifiedRules,
  [maxDepthRule(10)],
  [maxAliasesRule(15)],
  [...specifiedRules, maxDepthRule(10), maxAliasesRule(15)],
]) as [number, number, number, number];
process.stdout.write(
  `fragment chain: ${fragmentCount} fragments, ${Buffer.byteLength(text)} bytes, p50 of ${runs} runs\n\n`,
);
process.stdout.write(
  `${formatTable(
    ['validation', 'p50 ms', 'vs graphql validate'],
    [
      ['graphql validate (specified rules)', ms(baseline), '1.0x'],
      ['depth rule alone', ms(depthOnly), share(depthOnly, baseline)],
      ['alias rule alone', ms(aliasesOnly), share(aliasesOnly, baseline)],
      ['specified rules + both limits', ms(all), ratio(all, baseline)],
    ],
  )}\n`,
);

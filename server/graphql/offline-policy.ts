import { z } from 'zod';
import type { OfflinePolicy } from '../../schema/index.ts';
import { idSchema, offlinePolicySchema } from '../../schema/index.ts';
import type { EffectiveOfflinePolicy } from '../store/index.ts';
import { builder } from './builder.ts';
import { parseInput, requireAdmin } from './guards.ts';

/** The limits a terminal keeps while offline (docs/design.md#offline-limits). */
export const OfflinePolicyRef = builder.objectRef<OfflinePolicy>('OfflinePolicy').implement({
  description:
    'What a terminal may take while its last cloud contact is older than thresholdMs; null: no limit.',
  fields: (t) => ({
    thresholdMs: t.expose('thresholdMs', { type: 'SafeInt' }),
    maxSaleMinor: t.expose('maxSaleMinor', { type: 'SafeInt', nullable: true }),
    maxTotalMinor: t.expose('maxTotalMinor', { type: 'SafeInt', nullable: true }),
    methods: t.exposeStringList('methods', { nullable: true }),
  }),
});

const EffectiveOfflinePolicyRef = builder
  .objectRef<EffectiveOfflinePolicy>('EffectiveOfflinePolicy')
  .implement({
    description: 'The policy in force and where it comes from: default, tenant or branch.',
    fields: (t) => ({
      policy: t.field({ type: OfflinePolicyRef, resolve: (e) => e.policy }),
      source: t.exposeString('source'),
    }),
  });

const OfflinePolicyInput = builder.inputType('OfflinePolicyInput', {
  fields: (t) => ({
    thresholdMs: t.field({ type: 'SafeInt', required: true }),
    maxSaleMinor: t.field({ type: 'SafeInt' }),
    maxTotalMinor: t.field({ type: 'SafeInt' }),
    methods: t.stringList(),
  }),
});

const scopeSchema = z.object({ branchId: idSchema.nullish() });

builder.queryFields((t) => ({
  offlinePolicy: t.field({
    type: EffectiveOfflinePolicyRef,
    description: "The offline policy in force for a branch, or the tenant's without one (admin).",
    args: { branchId: t.arg.string(), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const { branchId } = parseInput(scopeSchema, args);
      return context.store.getOfflinePolicy(tenantId, branchId ?? null);
    },
  }),
}));

builder.mutationFields((t) => ({
  setOfflinePolicy: t.field({
    type: EffectiveOfflinePolicyRef,
    description:
      "Sets the tenant's offline policy, or a branch's override with branchId; policy null removes " +
      "the branch's override (admin, audited). Terminals pick it up without a restart.",
    args: {
      branchId: t.arg.string(),
      policy: t.arg({ type: OfflinePolicyInput }),
      tenantId: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const { branchId } = parseInput(scopeSchema, args);
      const policy =
        args.policy == null
          ? null
          : parseInput(offlinePolicySchema, {
              thresholdMs: args.policy.thresholdMs,
              maxSaleMinor: args.policy.maxSaleMinor ?? null,
              maxTotalMinor: args.policy.maxTotalMinor ?? null,
              methods: args.policy.methods ?? null,
            });
      return context.store.setOfflinePolicy(tenantId, branchId ?? null, policy, actor);
    },
  }),
}));

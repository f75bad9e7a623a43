import { z } from 'zod';
import { isoDateTimeSchema } from '../../schema/index.ts';
import type { AuditEntry } from '../store/index.ts';
import { builder } from './builder.ts';
import { connectionType, pageArgsSchema } from './connection.ts';
import { parseInput, requireAdmin } from './guards.ts';

const AuditEntryRef = builder.objectRef<AuditEntry>('AuditEntry').implement({
  description: 'One audited admin write.',
  fields: (t) => ({
    id: t.exposeString('id'),
    at: t.exposeString('at'),
    actor: t.exposeString('actor'),
    action: t.exposeString('action'),
    entityType: t.exposeString('entityType', {
      description: 'What the entry is about (`terminal`, `product`, ...); `target` is its id.',
    }),
    target: t.exposeString('target', { nullable: true }),
    details: t.expose('details', { type: 'JSON' }),
    offline: t.exposeBoolean('offline', {
      description: 'Made at a till while it was offline, recorded when it reached the cloud.',
    }),
  }),
});

const AuditEntryConnectionRef = connectionType('AuditEntry', AuditEntryRef);

/** A filter value: non-empty, bounded, no control characters. */
const filterTextSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'control characters are not allowed');

const auditLogArgsSchema = pageArgsSchema.extend({
  entityType: filterTextSchema.nullish(),
  entityId: filterTextSchema.nullish(),
  actor: filterTextSchema.nullish(),
  from: isoDateTimeSchema.nullish(),
  to: isoDateTimeSchema.nullish(),
  offline: z.boolean().nullish(),
});

builder.queryFields((t) => ({
  auditLog: t.field({
    type: AuditEntryConnectionRef,
    description:
      "The tenant's audit log, oldest first, filtered; `from` ≤ at < `to`; `entityId` matches " +
      '`target` (admin).',
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      tenantId: t.arg.string(),
      entityType: t.arg.string(),
      entityId: t.arg.string(),
      actor: t.arg.string(),
      from: t.arg.string(),
      to: t.arg.string(),
      offline: t.arg.boolean(),
    },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const a = parseInput(auditLogArgsSchema, args);
      return context.store.listAuditLog(
        tenantId,
        { first: a.first, after: a.after ?? null },
        {
          entityType: a.entityType ?? undefined,
          entityId: a.entityId ?? undefined,
          actor: a.actor ?? undefined,
          from: a.from ?? undefined,
          to: a.to ?? undefined,
          offline: a.offline ?? undefined,
        },
      );
    },
  }),
}));

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
    target: t.exposeString('target', { nullable: true }),
    details: t.expose('details', { type: 'JSON' }),
  }),
});

const AuditEntryConnectionRef = connectionType('AuditEntry', AuditEntryRef);

builder.queryFields((t) => ({
  auditLog: t.field({
    type: AuditEntryConnectionRef,
    description: "The tenant's audit log, oldest first (admin).",
    args: { first: t.arg.int(), after: t.arg.string(), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const page = parseInput(pageArgsSchema, args);
      return context.store.listAuditLog(tenantId, { first: page.first, after: page.after ?? null });
    },
  }),
}));

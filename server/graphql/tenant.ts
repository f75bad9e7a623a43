import { z } from 'zod';
import type { Tenant } from '../../schema/index.ts';
import { PosError, idSchema, nameSchema, tenantSchema } from '../../schema/index.ts';
import type { AdminTokenInfo, IssuedAdminToken } from '../store/index.ts';
import { builder } from './builder.ts';
import { parseInput, requireAdmin, requireRoot } from './guards.ts';

const TenantRef = builder.objectRef<Tenant>('Tenant').implement({
  fields: (t) => ({ id: t.exposeString('id'), name: t.exposeString('name') }),
});

const AdminTokenRef = builder.objectRef<AdminTokenInfo>('AdminToken').implement({
  description: 'A tenant admin token as listed: never its secret (only a hash of it is stored).',
  fields: (t) => ({
    tokenId: t.exposeString('tokenId'),
    tenantId: t.exposeString('tenantId'),
    name: t.exposeString('name'),
    createdAt: t.exposeString('createdAt'),
    expiresAt: t.exposeString('expiresAt', {
      nullable: true,
      description: 'When it stops working; null: until revoked.',
    }),
    revokedAt: t.exposeString('revokedAt', { nullable: true }),
  }),
});

const IssuedAdminTokenRef = builder.objectRef<IssuedAdminToken>('IssuedAdminToken').implement({
  description: 'A tenant admin token; the plaintext is shown this once only.',
  fields: (t) => ({
    tokenId: t.exposeString('tokenId'),
    tenantId: t.exposeString('tenantId'),
    name: t.exposeString('name'),
    createdAt: t.exposeString('createdAt'),
    expiresAt: t.exposeString('expiresAt', { nullable: true }),
    token: t.exposeString('token'),
  }),
});

const TenantInput = builder.inputType('TenantInput', {
  fields: (t) => ({ id: t.string({ required: true }), name: t.string({ required: true }) }),
});

builder.queryFields((t) => ({
  tenants: t.field({
    type: [TenantRef],
    description: 'Every tenant (root token).',
    resolve: (_root, _args, context) => {
      requireRoot(context);
      return context.store.listTenants();
    },
  }),
  adminTokens: t.field({
    type: [AdminTokenRef],
    description:
      "Tenant admin tokens, oldest first, without their secrets: a tenant admin sees its own tenant's, " +
      'the root token every tenant unless it names one.',
    args: { tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const everyTenant = context.auth.kind === 'root' && args.tenantId == null;
      return context.store.listAdminTokens(everyTenant ? null : tenantId);
    },
  }),
}));

builder.mutationFields((t) => ({
  createTenant: t.field({
    type: TenantRef,
    description: 'Creates a tenant (root token).',
    args: { input: t.arg({ type: TenantInput, required: true }) },
    resolve: (_root, args, context) => {
      const { actor } = requireRoot(context);
      return context.store.createTenant(parseInput(tenantSchema, args.input), actor);
    },
  }),
  createAdminToken: t.field({
    type: IssuedAdminTokenRef,
    description:
      'Issues an admin token for a tenant; it acts on that tenant only. The root token issues for ' +
      "any tenant, a tenant admin for its own, expiring no later than the caller's own token. " +
      '`expiresAt` (ISO date-time, in the future): when it stops working; absent: until revoked.',
    args: {
      tenantId: t.arg.string(),
      name: t.arg.string({ required: true }),
      expiresAt: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const input = parseInput(
        z.object({ name: nameSchema, expiresAt: z.string().max(40).nullish() }),
        args,
      );
      const auth = context.auth;
      // A tenant admin must not mint a token that outlives its own: that would undo its expiry.
      if (auth.kind === 'admin' && auth.expiresAt !== null) {
        const wanted = input.expiresAt == null ? Infinity : Date.parse(input.expiresAt);
        if (wanted > Date.parse(auth.expiresAt)) {
          throw new PosError(
            'POS_FORBIDDEN',
            'A tenant admin token cannot issue a token that expires after its own.',
            { expiresAt: auth.expiresAt },
          );
        }
      }
      return context.store.createAdminToken(tenantId, input.name, actor, {
        expiresAt: input.expiresAt ?? null,
      });
    },
  }),
  revokeAdminToken: t.field({
    type: AdminTokenRef,
    description:
      "Revokes a tenant admin token at once (idempotent): the root token any, a tenant admin its own tenant's.",
    args: { tokenId: t.arg.string({ required: true }), tenantId: t.arg.string() },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const tokenId = parseInput(idSchema, args.tokenId);
      const anyTenant = context.auth.kind === 'root' && args.tenantId == null;
      const revoked = await context.store.revokeAdminToken(
        anyTenant ? null : tenantId,
        tokenId,
        actor,
      );
      context.closeAdminSockets(tokenId);
      return revoked;
    },
  }),
}));

import { z } from 'zod';
import type { Tenant } from '../../schema/index.ts';
import { nameSchema, tenantSchema } from '../../schema/index.ts';
import type { IssuedAdminToken } from '../store/index.ts';
import { builder } from './builder.ts';
import { parseInput, requireRoot } from './guards.ts';

const TenantRef = builder.objectRef<Tenant>('Tenant').implement({
  fields: (t) => ({ id: t.exposeString('id'), name: t.exposeString('name') }),
});

const AdminTokenRef = builder.objectRef<IssuedAdminToken>('IssuedAdminToken').implement({
  description: 'A tenant admin token; the plaintext is shown this once only.',
  fields: (t) => ({
    tokenId: t.exposeString('tokenId'),
    tenantId: t.exposeString('tenantId'),
    name: t.exposeString('name'),
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
    type: AdminTokenRef,
    description: 'Issues an admin token for a tenant (root token); it acts on that tenant only.',
    args: { tenantId: t.arg.string({ required: true }), name: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => {
      const { actor } = requireRoot(context);
      const input = parseInput(
        z.object({ tenantId: tenantSchema.shape.id, name: nameSchema }),
        args,
      );
      return context.store.createAdminToken(input.tenantId, input.name, actor);
    },
  }),
}));

import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import { pushArgsSchema } from '../../replication/index.ts';
import type { Customer, CustomerClocks } from '../../schema/index.ts';
import {
  ACCOUNT_STATUSES,
  customerUpsertSchema,
  idSchema,
  textSchema,
} from '../../schema/index.ts';
import type {
  CustomerDuplicateGroup,
  CustomerPushRow,
  CustomerRefusal,
  OverLimitCharge,
} from '../store/index.ts';
import { builder } from './builder.ts';
import { CheckpointInput, pullResultType } from './checkpoint.ts';
import { connectionType, pageArgsSchema } from './connection.ts';
import { parseInput, requireAdmin, requireTerminal } from './guards.ts';
import { StreamHintRef } from './stream-hint.ts';
import { recordContact, servePull, streamHints } from './sync-operations.ts';

const CustomerRefusalRef = builder
  .objectRef<Pick<CustomerRefusal, 'code' | 'message'>>('CustomerRefusal')
  .implement({
    description: 'Why the cloud refused a pushed customer row (nothing of it was stored).',
    fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
  });

type AnsweredCustomer = Customer & { _deleted?: boolean; refusal?: CustomerRefusal | null };

const AccountStatusEnum = builder.enumType('AccountStatus', {
  values: ACCOUNT_STATUSES,
  description: '`on_hold` and `closed` accounts take no charges.',
});

const CustomerClocksRef = builder.objectRef<CustomerClocks>('CustomerClocks').implement({
  description:
    'The hybrid logical clock of the last edit of each field (the merge compares these).',
  fields: (t) => ({
    name: t.exposeString('name'),
    phone: t.exposeString('phone'),
    email: t.exposeString('email'),
    creditLimitMinor: t.exposeString('creditLimitMinor'),
    currency: t.exposeString('currency'),
    accountStatus: t.exposeString('accountStatus'),
  }),
});

/** A customer with its account; editable fields merge field by field, the rest is the cloud's. */
export const CustomerRef = builder.objectRef<AnsweredCustomer>('Customer').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    tenantId: t.exposeString('tenantId'),
    name: t.exposeString('name'),
    phone: t.exposeString('phone', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    creditLimitMinor: t.expose('creditLimitMinor', { type: 'SafeInt' }),
    currency: t.exposeString('currency', { nullable: true }),
    accountStatus: t.field({ type: AccountStatusEnum, resolve: (c) => c.accountStatus }),
    clocks: t.field({ type: CustomerClocksRef, resolve: (c) => c.clocks }),
    mergedInto: t.exposeString('mergedInto', {
      nullable: true,
      description: 'The customer this duplicate was merged into: charge that one.',
    }),
    balanceMinor: t.expose('balanceMinor', {
      type: 'SafeInt',
      description: "The sum of the account's ledger entries up to `ledgerSeq` (positive: owed).",
    }),
    ledgerSeq: t.expose('ledgerSeq', {
      type: 'SafeInt',
      description: 'The ledger position the balance includes.',
    }),
    _deleted: t.boolean({ resolve: (c) => c._deleted ?? false }),
    refusal: t.field({
      type: CustomerRefusalRef,
      nullable: true,
      description:
        'Set only in a pushCustomers answer, on a row the cloud refused: the customer is the row as ' +
        'pushed; the rest of the batch was merged as usual.',
      resolve: (c) => c.refusal ?? null,
    }),
  }),
});

const CustomerClocksInput = builder.inputType('CustomerClocksInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    phone: t.string({ required: true }),
    email: t.string({ required: true }),
    creditLimitMinor: t.string({ required: true }),
    currency: t.string({ required: true }),
    accountStatus: t.string({ required: true }),
  }),
});

const CustomerDocumentInput = builder.inputType('CustomerDocumentInput', {
  description: 'A customer document as RxDB pushes it; checked in full by the shared zod schema.',
  fields: (t) => ({
    id: t.string({ required: true }),
    tenantId: t.string({ required: true }),
    name: t.string({ required: true }),
    phone: t.string(),
    email: t.string(),
    creditLimitMinor: t.field({ type: 'SafeInt', required: true }),
    currency: t.string(),
    accountStatus: t.string({ required: true }),
    clocks: t.field({ type: CustomerClocksInput, required: true }),
    mergedInto: t.string(),
    balanceMinor: t.field({ type: 'SafeInt', required: true }),
    ledgerSeq: t.field({ type: 'SafeInt', required: true }),
    _deleted: t.boolean({ required: true }),
  }),
});

const CustomerPushRowInput = builder.inputType('CustomerPushRow', {
  fields: (t) => ({
    assumedMasterState: t.field({ type: CustomerDocumentInput }),
    newDocumentState: t.field({ type: CustomerDocumentInput, required: true }),
  }),
});

const CustomerUpsertInput = builder.inputType('CustomerUpsertInput', {
  description:
    'Creates a customer (without `id`, or with an unknown one; `name` required) or changes the ' +
    'fields given; each is stamped with the cloud clock, so the edit wins over earlier ones.',
  fields: (t) => ({
    id: t.string(),
    name: t.string(),
    phone: t.string(),
    email: t.string(),
    creditLimitMinor: t.field({ type: 'SafeInt' }),
    currency: t.string(),
    accountStatus: t.field({ type: AccountStatusEnum }),
  }),
});

const CustomerDuplicateGroupRef = builder
  .objectRef<CustomerDuplicateGroup>('CustomerDuplicateGroup')
  .implement({
    description: 'Customers not merged away that share a normalised phone number or email address.',
    fields: (t) => ({
      field: t.exposeString('field', { description: '`phone` or `email`' }),
      key: t.exposeString('key', { description: 'The normalised value they share.' }),
      customers: t.field({ type: [CustomerRef], resolve: (g) => g.customers }),
    }),
  });

const CustomerMergeRef = builder
  .objectRef<{ survivor: Customer; merged: Customer }>('CustomerMerge')
  .implement({
    fields: (t) => ({
      survivor: t.field({ type: CustomerRef, resolve: (m) => m.survivor }),
      merged: t.field({ type: CustomerRef, resolve: (m) => m.merged }),
    }),
  });

const OverLimitChargeRef = builder.objectRef<OverLimitCharge>('OverLimitCharge').implement({
  description:
    'An account charge the cloud found over the credit limit at ingest; booked all the same (the ' +
    'goods are gone) and raised to an operator.',
  fields: (t) => ({
    saleId: t.exposeString('saleId'),
    customerId: t.exposeString('customerId'),
    branchId: t.exposeString('branchId'),
    terminalId: t.exposeString('terminalId'),
    amountMinor: t.expose('amountMinor', { type: 'SafeInt' }),
    ledgerSeq: t.expose('ledgerSeq', { type: 'SafeInt' }),
    createdAt: t.exposeString('createdAt'),
    resolvedAt: t.exposeString('resolvedAt', { nullable: true }),
    resolvedBy: t.exposeString('resolvedBy', { nullable: true }),
    resolutionNote: t.exposeString('resolutionNote', { nullable: true }),
  }),
});

const overLimitStatusSchema = z.enum(['open', 'resolved', 'all']).default('open');
const resolveArgsSchema = z.object({ saleId: idSchema, note: textSchema(1_000) });

const CustomerPullRef = pullResultType('CustomerPull', CustomerRef);
const CustomerConnectionRef = connectionType('Customer', CustomerRef);
// Rows are checked one by one in the store (`customer-rules.ts`), so one bad row is refused alone.
const pushCustomersArgsSchema = pushArgsSchema(
  z.object({ newDocumentState: z.looseObject({}), assumedMasterState: z.unknown().optional() }),
);
const mergeArgsSchema = z.object({
  survivorId: idSchema,
  mergedId: idSchema,
  note: textSchema(1_000),
});

/** GraphQL leaves an absent optional field out; an explicit null clears a nullable field. */
function definedFields(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

builder.queryFields((t) => ({
  pullCustomers: t.field({
    type: CustomerPullRef,
    description: "Changes of the tenant's customers after `checkpoint`, ordered by seq.",
    args: {
      checkpoint: t.arg({ type: CheckpointInput }),
      limit: t.arg.int({ required: true }),
      queueDepth: t.arg.int(),
    },
    resolve: (_root, args, context) =>
      servePull(context, 'customers', args, (scope, checkpoint, limit) =>
        context.store.pullCustomers(scope.tenantId, checkpoint, limit),
      ),
  }),
  customers: t.field({
    type: CustomerConnectionRef,
    description: "The tenant's customers, oldest change first (admin).",
    args: { first: t.arg.int(), after: t.arg.string(), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const page = parseInput(pageArgsSchema, definedFields(args));
      return context.store.listCustomers(tenantId, page);
    },
  }),
  customerDuplicates: t.field({
    type: [CustomerDuplicateGroupRef],
    description:
      'Likely duplicates for an operator to merge: customers sharing a phone number or an email ' +
      'address, normalised (admin).',
    args: { tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      return context.store.customerDuplicates(tenantId);
    },
  }),
}));

builder.queryFields((t) => ({
  overLimitCharges: t.field({
    type: [OverLimitChargeRef],
    description: 'Account charges over the limit, open ones by default, oldest first (admin).',
    args: { status: t.arg.string(), tenantId: t.arg.string() },
    resolve: (_root, args, context) => {
      const { tenantId } = requireAdmin(context, args.tenantId);
      const status = parseInput(overLimitStatusSchema, args.status ?? undefined);
      return context.store.listOverLimitCharges(tenantId, status);
    },
  }),
}));

builder.mutationFields((t) => ({
  resolveOverLimitCharge: t.field({
    type: OverLimitChargeRef,
    description: "An operator's decision on an over-limit charge, with a note (audited).",
    args: {
      saleId: t.arg.string({ required: true }),
      note: t.arg.string({ required: true }),
      tenantId: t.arg.string(),
    },
    resolve: (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const { saleId, note } = parseInput(resolveArgsSchema, args);
      return context.store.resolveOverLimitCharge(tenantId, saleId, note, actor);
    },
  }),
  pushCustomers: t.field({
    type: [CustomerRef],
    description:
      "Merges pushed customers into the tenant's masters field by field (hybrid logical clocks); " +
      'answers the merged masters that differ from what was pushed, and each refused row as pushed ' +
      'with its refusal (the other rows are merged).',
    args: { rows: t.arg({ type: [CustomerPushRowInput], required: true }) },
    resolve: async (_root, args, context) => {
      const scope = requireTerminal(context);
      const { rows } = parseInput(pushCustomersArgsSchema, args);
      const { conflicts, refused } = await context.store.pushCustomers(
        scope,
        rows as CustomerPushRow[],
      );
      if (refused.length > 0) {
        context.log.warn(
          { refused: refused.map(({ id, code, message }) => ({ id, code, message })) },
          'customer rows refused',
        );
      }
      context.metrics.pushes.inc({ stream: 'customers' });
      await recordContact(context, scope, { kind: 'push', stream: 'customers' });
      const answered: AnsweredCustomer[] = refused.map((r) => ({
        ...(r.document as unknown as WithDeleted<Customer>),
        refusal: r,
      }));
      return [...conflicts, ...answered];
    },
  }),
  upsertCustomers: t.field({
    type: [CustomerRef],
    description: 'Creates or changes customers (at most 5,000; audited).',
    args: {
      input: t.arg({ type: [CustomerUpsertInput], required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const inputs = parseInput(
        z.array(customerUpsertSchema).min(1).max(context.config.upsertMax),
        args.input.map((row) => definedFields(row)),
      );
      return context.store.upsertCustomers(tenantId, inputs, actor);
    },
  }),
  mergeCustomers: t.field({
    type: CustomerMergeRef,
    description:
      'Merges a duplicate into the customer that stays (audited): the duplicate gets `mergedInto`, ' +
      "its ledger entries stay and count toward the survivor's balance; terminals pull both.",
    args: {
      survivorId: t.arg.string({ required: true }),
      mergedId: t.arg.string({ required: true }),
      note: t.arg.string({ required: true }),
      tenantId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const { tenantId, actor } = requireAdmin(context, args.tenantId);
      const { survivorId, mergedId, note } = parseInput(mergeArgsSchema, args);
      return context.store.mergeCustomers(tenantId, survivorId, mergedId, note, actor);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  streamCustomers: t.field({
    type: StreamHintRef,
    description: "A hint that the tenant's customers changed: pull from your own checkpoint.",
    subscribe: (_root, _args, context) => streamHints(context, 'customers'),
    resolve: (hint) => hint,
  }),
}));

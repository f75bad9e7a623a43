import { z } from 'zod';
import {
  ACCOUNT_STATUSES,
  CUSTOMER_EDITABLE_FIELDS,
  EMAIL_MAX_LENGTH,
  HLC_MAX_LENGTH,
  PHONE_MAX_LENGTH,
} from './constants.ts';
import { currencySchema, minorAmountSchema } from './money.ts';
import { idSchema, nameSchema } from './primitives.ts';

export {
  ACCOUNT_STATUSES,
  CUSTOMER_EDITABLE_FIELDS,
  EMAIL_MAX_LENGTH,
  HLC_MAX_LENGTH,
  PHONE_MAX_LENGTH,
} from './constants.ts';

/** Largest account balance either way (a billion major units in a 2-decimal currency). */
export const BALANCE_MAX_MINOR = 100_000_000_000;

/** The state of a customer account. */
export const accountStatusSchema = z.enum(ACCOUNT_STATUSES);

/** The state of a customer account: `on_hold` and `closed` accounts take no charges. */
export type AccountStatus = z.infer<typeof accountStatusSchema>;

/** A customer field edited by terminals and admins, merged by its own clock. */
export type CustomerEditableField = (typeof CUSTOMER_EDITABLE_FIELDS)[number];

/**
 * A hybrid logical clock as text: `<wall ms, 15 digits>-<counter, 6 digits>-<node id>`. Fixed-width
 * numbers make string order the clock order, ties broken by the node id (`replication/hlc.ts`).
 */
export const hlcSchema = z
  .string()
  .max(HLC_MAX_LENGTH)
  .regex(
    /^\d{15}-\d{6}-[^\s\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]+$/u,
    'not a hybrid logical clock',
  );

/** A phone number as entered: digits with optional `+`, spaces, brackets, dots and dashes. */
export const phoneSchema = z
  .string()
  .trim()
  .max(PHONE_MAX_LENGTH)
  .regex(/^\+?[0-9 ().-]+$/, 'a phone number holds digits, spaces, + ( ) . and - only')
  .refine((phone) => normalizePhone(phone).length >= 3, 'a phone number needs 3 digits or more');

/** An email address (bounded; checked by zod's email rule). */
export const emailSchema = z.string().trim().max(EMAIL_MAX_LENGTH).pipe(z.email());

/** The last edit of each editable field (the field-by-field merge compares these). */
export const customerClocksSchema = z.object({
  name: hlcSchema,
  phone: hlcSchema,
  email: hlcSchema,
  creditLimitMinor: hlcSchema,
  currency: hlcSchema,
  accountStatus: hlcSchema,
});

/** The per-field clocks of a customer. */
export type CustomerClocks = z.infer<typeof customerClocksSchema>;

/** The editable fields of a customer, as a terminal or an admin writes them. */
export const customerFieldsSchema = z.object({
  name: nameSchema,
  phone: phoneSchema.nullable(),
  email: emailSchema.nullable(),
  /** The most the customer may owe; 0 allows no charge on account. */
  creditLimitMinor: minorAmountSchema,
  /** The account's currency; null takes the currency of the branch that charges it. */
  currency: currencySchema.nullable(),
  accountStatus: accountStatusSchema,
});

/** The editable fields of a customer. */
export type CustomerFields = z.infer<typeof customerFieldsSchema>;

/**
 * A customer, tenant-wide, replicated to every terminal of the tenant (push and pull).
 *
 * Editable fields merge field by field, each last-writer-wins by its hybrid logical clock in
 * `clocks`. `mergedInto`, `balanceMinor` and `ledgerSeq` are the cloud's: a terminal may not write
 * them. `balanceMinor` is the sum of the account's ledger entries with a position up to `ledgerSeq`
 * (entries of customers merged into this one included): positive means the customer owes.
 */
export const customerSchema = customerFieldsSchema.extend({
  /** UUIDv7 when made at a till. */
  id: idSchema,
  tenantId: idSchema,
  clocks: customerClocksSchema,
  /** The customer this one was merged into (a duplicate): charge that one instead. */
  mergedInto: idSchema.nullable(),
  balanceMinor: z.int().min(-BALANCE_MAX_MINOR).max(BALANCE_MAX_MINOR),
  /** The ledger position the balance includes: every entry of the account at or below it. */
  ledgerSeq: z.int().nonnegative(),
});

/** A customer document. */
export type Customer = z.infer<typeof customerSchema>;

/** The fields only the cloud writes. */
export const CUSTOMER_CLOUD_FIELDS = ['mergedInto', 'balanceMinor', 'ledgerSeq'] as const;

/** A new customer as a terminal's `createCustomer` takes it: a name, the rest optional. */
export const customerCreateSchema = customerFieldsSchema
  .partial()
  .required({ name: true })
  .strict();

/** Arguments of `createCustomer`. */
export type CustomerCreate = z.input<typeof customerCreateSchema>;

/** Fields to change (`updateCustomer`): any editable field, nothing else. */
export const customerPatchSchema = customerFieldsSchema.partial().strict();

/** Arguments of `updateCustomer`. */
export type CustomerPatch = z.input<typeof customerPatchSchema>;

/** An admin's upsert of one customer: a new one without `id` (or with an unknown one) needs `name`. */
export const customerUpsertSchema = customerFieldsSchema.partial().extend({
  id: idSchema.optional(),
});

/** One row of an admin's `upsertCustomers`. */
export type CustomerUpsert = z.input<typeof customerUpsertSchema>;

/** Defaults of the fields a new customer leaves out. */
export const CUSTOMER_DEFAULTS: Omit<CustomerFields, 'name'> = {
  phone: null,
  email: null,
  creditLimitMinor: 0,
  currency: null,
  accountStatus: 'active',
};

/**
 * The phone number's key for duplicate detection: its digits only, so `+49 30 123` and `+4930123`
 * are the same number.
 */
export function normalizePhone(phone: string): string {
  return phone.replace(/\D/g, '');
}

/** The email's key for duplicate detection: trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * A new customer document: the fields given (defaults for the rest), every clock set to `clock`, no
 * balance. `fields` must have passed `customerCreateSchema`.
 */
export function newCustomerDocument(
  id: string,
  tenantId: string,
  fields: Partial<CustomerFields> & Pick<CustomerFields, 'name'>,
  clock: string,
): Customer {
  return {
    id,
    tenantId,
    ...CUSTOMER_DEFAULTS,
    ...fields,
    clocks: Object.fromEntries(
      CUSTOMER_EDITABLE_FIELDS.map((field) => [field, clock]),
    ) as CustomerClocks,
    mergedInto: null,
    balanceMinor: 0,
    ledgerSeq: 0,
  };
}

/** The document with `patch` applied, each changed field stamped with `clock`. */
export function patchCustomerDocument(
  doc: Customer,
  patch: Partial<CustomerFields>,
  clock: string,
): Customer {
  const next = { ...doc, clocks: { ...doc.clocks } } as Customer;
  for (const field of CUSTOMER_EDITABLE_FIELDS) {
    if (patch[field] === undefined) continue;
    (next as Record<string, unknown>)[field] = patch[field];
    next.clocks[field] = clock;
  }
  return next;
}

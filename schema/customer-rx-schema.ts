import type { RxJsonSchema } from 'rxdb';
import {
  ACCOUNT_STATUSES,
  EMAIL_MAX_LENGTH,
  HLC_MAX_LENGTH,
  ID_MAX_LENGTH,
  PHONE_MAX_LENGTH,
} from './constants.ts';
import type { Customer } from './customer.ts';

const id = { type: 'string', maxLength: ID_MAX_LENGTH } as const;
const clock = { type: 'string', maxLength: HLC_MAX_LENGTH } as const;

/**
 * RxDB schema of the terminal's `customers` collection (`customerSchema`): the tenant's customers,
 * pushed and pulled, merged field by field by `clocks` (`replication/customer-merge.ts`). The `name`
 * index serves the cashier's search. Kept in step with the zod schema by `rx-schemas.test.ts`.
 */
export const customerRxSchema: RxJsonSchema<Customer> = {
  title: 'customers',
  description: "The tenant's customers and their accounts, edited anywhere, merged field by field.",
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id,
    tenantId: id,
    name: { type: 'string', minLength: 1, maxLength: 200 },
    phone: { type: ['string', 'null'], maxLength: PHONE_MAX_LENGTH },
    email: { type: ['string', 'null'], maxLength: EMAIL_MAX_LENGTH },
    creditLimitMinor: { type: 'integer', minimum: 0 },
    currency: { type: ['string', 'null'], minLength: 3, maxLength: 3 },
    accountStatus: { type: 'string', enum: [...ACCOUNT_STATUSES], maxLength: 8 },
    clocks: {
      type: 'object',
      properties: {
        name: clock,
        phone: clock,
        email: clock,
        creditLimitMinor: clock,
        currency: clock,
        accountStatus: clock,
      },
      required: ['name', 'phone', 'email', 'creditLimitMinor', 'currency', 'accountStatus'],
      additionalProperties: false,
    },
    mergedInto: { type: ['string', 'null'], maxLength: ID_MAX_LENGTH },
    balanceMinor: { type: 'integer' },
    ledgerSeq: { type: 'integer', minimum: 0 },
  },
  required: [
    'id',
    'tenantId',
    'name',
    'phone',
    'email',
    'creditLimitMinor',
    'currency',
    'accountStatus',
    'clocks',
    'mergedInto',
    'balanceMinor',
    'ledgerSeq',
  ],
  additionalProperties: false,
  indexes: ['name'],
};

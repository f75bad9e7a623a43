import fc from 'fast-check';
import type { WithDeleted } from 'rxdb';
import { describe, expect, it } from 'vitest';
import type { Customer } from '../schema/index.ts';
import { CUSTOMER_EDITABLE_FIELDS, newCustomerDocument } from '../schema/index.ts';
import { customerConflictHandler, mergeCustomer } from './customer-merge.ts';
import { formatHlc } from './hlc.ts';

type Doc = WithDeleted<Customer>;

const base = {
  ...newCustomerDocument(
    'c-1',
    't',
    { name: 'Ada' },
    formatHlc({ wallMs: 1, counter: 0, node: 'a' }),
  ),
  _deleted: false,
};

const clock = fc
  .record({
    wallMs: fc.integer({ min: 1, max: 20 }),
    counter: fc.integer({ min: 0, max: 3 }),
    node: fc.constantFrom('pos-a', 'pos-b', 'cloud'),
  })
  .map(formatHlc);

/** A replica of the customer: some fields edited with some clocks (equal clocks may carry other values). */
const replica: fc.Arbitrary<Doc> = fc
  .record({
    name: fc.tuple(fc.constantFrom('Ada', 'Bob', 'Cy'), clock),
    phone: fc.tuple(fc.constantFrom(null, '+1 555 0100', '0100'), clock),
    email: fc.tuple(fc.constantFrom(null, 'a@x.io', 'b@x.io'), clock),
    creditLimitMinor: fc.tuple(fc.integer({ min: 0, max: 3 }), clock),
    currency: fc.tuple(fc.constantFrom(null, 'EUR'), clock),
    accountStatus: fc.tuple(fc.constantFrom('active' as const, 'on_hold' as const), clock),
    balanceMinor: fc.integer({ min: -5, max: 5 }),
  })
  .map((r) => {
    const doc = { ...base, clocks: { ...base.clocks }, balanceMinor: r.balanceMinor } as Doc;
    for (const field of CUSTOMER_EDITABLE_FIELDS) {
      const [value, at] = r[field];
      (doc as Record<string, unknown>)[field] = value;
      doc.clocks[field] = at;
    }
    return doc;
  });

const editable = (doc: Doc) =>
  Object.fromEntries(
    CUSTOMER_EDITABLE_FIELDS.flatMap((f) => [
      [f, doc[f]],
      [`${f}@`, doc.clocks[f]],
    ]),
  );

describe('customer merge (field by field, hybrid logical clocks)', () => {
  it('is commutative, associative and idempotent in the editable fields', () => {
    fc.assert(
      fc.property(replica, replica, replica, (a, b, c) => {
        expect(editable(mergeCustomer(a, b))).toEqual(editable(mergeCustomer(b, a)));
        expect(editable(mergeCustomer(mergeCustomer(a, b), c))).toEqual(
          editable(mergeCustomer(a, mergeCustomer(b, c))),
        );
        expect(mergeCustomer(a, a)).toEqual(a);
      }),
    );
  });

  it('keeps, for each field, the value with the later clock', () => {
    fc.assert(
      fc.property(replica, replica, (a, b) => {
        const merged = mergeCustomer(a, b);
        for (const field of CUSTOMER_EDITABLE_FIELDS) {
          const later = a.clocks[field] >= b.clocks[field] ? a.clocks[field] : b.clocks[field];
          expect(merged.clocks[field]).toBe(later);
        }
      }),
    );
  });

  it("always keeps the master's cloud fields (balance, merge target)", () => {
    fc.assert(
      fc.property(replica, replica, (master, incoming) => {
        const forged = { ...incoming, balanceMinor: -1_000, mergedInto: 'x', ledgerSeq: 99 };
        const merged = mergeCustomer(master, forged);
        expect(merged).toMatchObject({
          balanceMinor: master.balanceMinor,
          mergedInto: master.mergedInto,
          ledgerSeq: master.ledgerSeq,
        });
      }),
    );
  });

  it('merges edits of different fields made in two places', async () => {
    const at = (wallMs: number, node: string) => formatHlc({ wallMs, counter: 0, node });
    const phoneEdit = {
      ...base,
      phone: '+1 555 0199',
      clocks: { ...base.clocks, phone: at(5, 'pos-a') },
    };
    const nameEdit = { ...base, name: 'Ada L.', clocks: { ...base.clocks, name: at(4, 'pos-b') } };
    const resolved = await customerConflictHandler.resolve(
      { realMasterState: nameEdit, newDocumentState: phoneEdit },
      'test',
    );
    expect(resolved).toMatchObject({ name: 'Ada L.', phone: '+1 555 0199' });
  });
});

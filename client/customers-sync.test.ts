import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Customer } from '../schema/index.ts';
import type { CloudProcess } from './test-support/cloud-process.ts';
import { CloudProcess as Cloud, tempDir } from './test-support/cloud-process.ts';
import { eventually, openTestTerminal, syncWithin } from './test-support/terminal-fixtures.ts';
import type { Terminal } from './terminal.ts';

const CUSTOMER_FIELDS =
  'id name phone email creditLimitMinor accountStatus mergedInto balanceMinor';

describe('customers across terminals', () => {
  let cloud: CloudProcess;
  const open: Terminal[] = [];

  beforeAll(async () => {
    cloud = await Cloud.start();
    await cloud.createBranch('b-1');
    await cloud.createBranch('b-2');
  });
  // At most 13 RxDB collections per process (five per terminal): each test closes its terminals.
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await cloud?.destroy();
  });

  /** Two terminals of two branches, online and in sync. */
  async function twoTerminals(): Promise<[Terminal, Terminal]> {
    const made: Terminal[] = [];
    for (const branch of ['b-1', 'b-2']) {
      const registered = await cloud.registerTerminal(branch);
      const terminal = await openTestTerminal(cloud, registered, { dataDir: tempDir('pos-t-') });
      open.push(terminal);
      await syncWithin(terminal);
      made.push(terminal);
    }
    return made as [Terminal, Terminal];
  }

  const local = async (terminal: Terminal, id: string) =>
    (await terminal.db.customers.findOne(id).exec())?.toJSON() as Customer | undefined;

  it('flags a customer created offline on two terminals with the same phone, and both follow the merge', async () => {
    const [a, b] = await twoTerminals();
    await cloud.stop();
    // Both tills are cut off: each records the walk-in customer on its own.
    const onA = await a.createCustomer({ name: 'Ada Lovelace', phone: '+44 20 7946 0001' });
    const onB = await b.createCustomer({ name: 'A. Lovelace', phone: '+442079460001' });
    expect(onA.id).not.toBe(onB.id);
    expect(await local(a, onA.id)).toMatchObject({ name: 'Ada Lovelace', balanceMinor: 0 });
    await cloud.start();
    await syncWithin(a);
    await syncWithin(b);

    const { customerDuplicates } = await cloud.gql<{
      customerDuplicates: { field: string; key: string; customers: { id: string }[] }[];
    }>(`{ customerDuplicates { field key customers { id } } }`);
    expect(customerDuplicates).toEqual([
      {
        field: 'phone',
        key: '442079460001',
        customers: expect.arrayContaining([{ id: onA.id }, { id: onB.id }]),
      },
    ]);
    const { mergeCustomers } = await cloud.gql(
      `mutation ($s: String!, $m: String!) { mergeCustomers(survivorId: $s, mergedId: $m,
        note: "same phone") { survivor { ${CUSTOMER_FIELDS} } merged { ${CUSTOMER_FIELDS} } } }`,
      { s: onA.id, m: onB.id },
    );
    expect(mergeCustomers.merged).toMatchObject({ id: onB.id, mergedInto: onA.id });

    // The merge reaches both terminals by pull (the stream hint wakes them); B now acts on A's record.
    for (const terminal of [a, b]) {
      await eventually(async () => (await local(terminal, onB.id))?.mergedInto === onA.id);
      expect((await terminal.customer(onB.id)).id).toBe(onA.id);
    }
    const updated = await b.updateCustomer(onB.id, { email: 'ada@example.org' });
    expect(updated.id).toBe(onA.id);
    await syncWithin(b);
    await eventually(async () => (await local(a, onA.id))?.email === 'ada@example.org');
    expect((await cloud.gql(`{ customerDuplicates { key } }`)).customerDuplicates).toEqual([]);
  });

  it('converges when two terminals edit one customer offline: field by field, the later clock per field', async () => {
    const [a, b] = await twoTerminals();
    const made = await a.createCustomer({ name: 'Grace', phone: '555 0100' });
    await syncWithin(a);
    await eventually(async () => (await local(b, made.id)) !== undefined);

    await cloud.stop();
    await a.updateCustomer(made.id, { phone: '555 0199' });
    await b.updateCustomer(made.id, { name: 'Grace Hopper', creditLimitMinor: 50_000 });
    // The same field on both: the later edit (by hybrid logical clock) wins everywhere.
    await b.updateCustomer(made.id, { email: 'first@example.org' });
    await a.updateCustomer(made.id, { email: 'second@example.org' });
    await cloud.start();
    for (const t of [a, b, a, b]) await syncWithin(t);

    const expected = {
      name: 'Grace Hopper',
      phone: '555 0199',
      email: 'second@example.org',
      creditLimitMinor: 50_000,
    };
    for (const terminal of [a, b]) {
      await eventually(async () => (await local(terminal, made.id))?.email === expected.email);
      expect(await local(terminal, made.id)).toMatchObject(expected);
    }
    expect(await local(a, made.id)).toEqual(await local(b, made.id));
    const { customers } = await cloud.gql(
      `{ customers(first: 100) { edges { node { id name phone email creditLimitMinor } } } }`,
    );
    expect(customers.edges.map((e: { node: Customer }) => e.node)).toContainEqual({
      id: made.id,
      ...expected,
    });
  });

  it('refuses invalid input at the terminal and keeps a refused row out of the cloud', async () => {
    const [a] = await twoTerminals();
    await expect(a.createCustomer({ name: 'X', email: 'not-an-email' })).rejects.toMatchObject({
      code: 'POS_INPUT_INVALID',
    });
    await expect(a.updateCustomer('c-unknown', { name: 'Y' })).rejects.toMatchObject({
      code: 'POS_NOT_FOUND',
    });
    // A document written past the API (a bug, a tampered file) that sets the cloud's fields.
    const made = await a.createCustomer({ name: 'Zed' });
    await syncWithin(a);
    const doc = await a.db.customers.findOne(made.id).exec(true);
    await doc.incrementalPatch({ balanceMinor: -99_999 });
    await eventually(async () => (await a.status()).customersRefused.length === 1);
    expect((await a.status()).customersRefused[0]).toMatchObject({
      id: made.id,
      code: 'POS_FORBIDDEN',
    });
    const { customers } = await cloud.gql(
      `{ customers(first: 100) { edges { node { id balanceMinor } } } }`,
    );
    expect(customers.edges.map((e: { node: Customer }) => e.node)).toContainEqual({
      id: made.id,
      balanceMinor: 0,
    });
  });
});

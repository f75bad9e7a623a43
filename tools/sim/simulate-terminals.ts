import { PULL_DOCUMENTS, PUSH_DOCUMENTS } from '../../replication/index.ts';
import { makeSale } from '../../schema/index.ts';

/**
 * Simulated terminals for the docker compose demo: registers `POS_SIM_TERMINALS` terminals through the
 * admin API, then each pushes a small batch of sales and pulls its products every few seconds,
 * alternating between the servers of `POS_SIM_SERVERS` (comma-separated GraphQL URLs), so both
 * instances serve the same branch. Runs until stopped. A load shape, not a terminal: no local store.
 */
const servers = (process.env['POS_SIM_SERVERS'] ?? 'http://localhost:4000/graphql').split(',');
const rootToken = process.env['POS_ADMIN_TOKEN'] ?? '';
const count = Number(process.env['POS_SIM_TERMINALS'] ?? 4);
const everyMs = Number(process.env['POS_SIM_INTERVAL_MS'] ?? 2_000);

async function gql(url: string, query: string, variables: object, token: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as { data?: any; errors?: { message: string }[] };
  if (answer.errors?.length) throw new Error(answer.errors.map((e) => e.message).join('; '));
  return answer.data;
}

async function waitForServer(url: string): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(url.replace(/graphql$/, 'healthz'))).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function main(): Promise<void> {
  await Promise.all(servers.map(waitForServer));
  const admin = servers[0]!;
  await gql(
    admin,
    'mutation { createBranch(input: { id: "sim", name: "Simulated" }) { id } }',
    {},
    rootToken,
  ).catch(
    () => undefined, // exists from an earlier run
  );
  for (let t = 0; t < count; t++) {
    const { registerTerminal } = await gql(
      admin,
      'mutation($n: String!) { registerTerminal(input: { branchId: "sim", name: $n }) { terminalId token } }',
      { n: `Sim ${t}` },
      rootToken,
    );
    void runTerminal(t, registerTerminal.terminalId, registerTerminal.token);
  }
}

async function runTerminal(index: number, terminalId: string, token: string): Promise<void> {
  const posId = `sim-${terminalId.slice(-8)}`;
  let next = 1;
  let checkpoint: unknown = null;
  for (let round = 0; ; round++) {
    const url = servers[(index + round) % servers.length]!;
    try {
      const rows = Array.from({ length: 3 }, () => ({
        newDocumentState: {
          ...makeSale({ terminalId, branchId: 'sim', posId, localEventId: next++ }),
          _deleted: false,
        },
      }));
      await gql(url, PUSH_DOCUMENTS.sales, { rows }, token);
      const pulled = await gql(url, PULL_DOCUMENTS.products, { checkpoint, limit: 500 }, token);
      checkpoint = Object.values(pulled)[0] && (Object.values(pulled)[0] as any).checkpoint;
      process.stdout.write(`terminal ${index} via ${url}: pushed 3 sales\n`);
    } catch (error) {
      process.stdout.write(`terminal ${index} via ${url}: ${(error as Error).message}\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

await main();

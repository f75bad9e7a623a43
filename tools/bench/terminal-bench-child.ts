/**
 * Child of the terminal benchmark: runs up to two terminals (five collections each; RxDB's
 * open-source build allows 13 open collections per process), waits until they are in sync, prints `ready`, then prints one JSON line
 * `{ i, price, at }` whenever product `p-0`'s price changes on terminal `i` (`at` = Date.now()).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { openTerminal } from '../../client/index.ts';

const [serverUrl, identities] = [process.argv[2]!, JSON.parse(process.argv[3]!) as any[]];
const terminals = await Promise.all(
  identities.map((id) =>
    openTerminal({
      dataDir: mkdtempSync(join(tmpdir(), 'pos-bench-delta-')),
      serverUrl,
      token: id.token,
      logLevel: 'silent',
    }),
  ),
);
await Promise.all(terminals.map((t) => t.awaitInSync()));
terminals.forEach((terminal, i) => {
  terminal.db.products.findOne('p-0').$.subscribe((doc) => {
    if (doc)
      process.stdout.write(`${JSON.stringify({ i, price: doc.priceMinor, at: Date.now() })}\n`);
  });
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void Promise.all(terminals.map((t) => t.close())).then(() => process.exit(0));
});

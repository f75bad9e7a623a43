/**
 * A child process for the durability tests: opens an items database in the directory given as
 * argv[2] and, depending on argv[3]:
 * - `write-forever`: inserts documents one by one, printing each id after its insert resolved;
 * - `write-then-kill`: inserts argv[4] documents in one bulk insert, then SIGKILLs itself;
 * - `hold`: prints `ready` and keeps the database open until killed.
 */
import { getRxStorageSqlite } from './sqlite-storage.ts';
import { makeItem, openItemsDatabase } from './test-fixtures.ts';

const [directory, mode, amount] = process.argv.slice(2);
const db = await openItemsDatabase(getRxStorageSqlite({ directory: directory! }), 'durable');

if (mode === 'write-forever') {
  for (let n = 0; ; n++) {
    const item = makeItem(n);
    await db.items.insert(item);
    process.stdout.write(`${item.id}\n`);
  }
} else if (mode === 'write-then-kill') {
  await db.items.bulkInsert(Array.from({ length: Number(amount) }, (_, n) => makeItem(n)));
  process.kill(process.pid, 'SIGKILL');
} else {
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1_000);
}

import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepares a named set of statements once per connection. The key is the statement's name, given where
 * the SQL is written, so logs, profiles and readers can refer to "selectProductsAfterSeq".
 */
export function prepareStatements<K extends string>(
  db: Database,
  sql: Record<K, string>,
): Record<K, Statement> {
  const statements = {} as Record<K, Statement>;
  for (const name of Object.keys(sql) as K[]) statements[name] = db.prepare(sql[name]);
  return statements;
}

import type { Database } from 'better-sqlite3';

/**
 * Schema versions, applied in order on open; `PRAGMA user_version` records the last one applied. A
 * released version is never edited: a change is a new entry.
 *
 * Every stream table carries `seq` (the stream's sequence at the document's last change) with a UNIQUE
 * index on (stream key, seq): pulls are range scans of that index, and a duplicate seq is impossible.
 */
const MIGRATIONS: readonly string[] = [
  /* v1: initial schema */ `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL) STRICT;

  CREATE TABLE admin_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE branches (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    currency TEXT,
    next_invoice_no INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;

  CREATE TABLE terminals (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_pull_at TEXT,
    last_push_at TEXT,
    queue_depth INTEGER,
    checkpoints TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  CREATE INDEX terminals_branch ON terminals (tenant_id, branch_id);

  -- One row per stream key: scope is '' for the tenant-wide catalog streams, the branch id otherwise.
  -- head is the last seq handed out; floor the highest seq removed by retention.
  CREATE TABLE stream_heads (
    tenant_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    scope TEXT NOT NULL,
    head INTEGER NOT NULL,
    floor INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, stream, scope)
  ) STRICT, WITHOUT ROWID;

  -- view_hash: contentHash of the branch view for a branch without price override or assortment
  -- restriction (branch_specific = 0), so reconcile digests need no JSON parsing for most products.
  -- id_hash32: first 32 bits of SHA-256(id), so a bucket is id_hash32 % bucketCount in SQL.
  CREATE TABLE products (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    branch_specific INTEGER NOT NULL,
    view_hash TEXT NOT NULL,
    id_hash32 INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  CREATE UNIQUE INDEX products_seq ON products (tenant_id, seq);

  CREATE TABLE categories (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    view_hash TEXT NOT NULL,
    id_hash32 INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  CREATE UNIQUE INDEX categories_seq ON categories (tenant_id, seq);

  CREATE TABLE inventory (
    tenant_id TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  CREATE UNIQUE INDEX inventory_seq ON inventory (tenant_id, branch_id, seq);

  -- Booked sales. n is the ingest order (admin cursor). accepted_from is '' for a sale booked by
  -- ingest and the dead-letter id for one an operator accepted, so the idempotency key stays unique
  -- among ingested sales while an accepted conflicting sale can still be booked.
  CREATE TABLE sales (
    n INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    pos_id TEXT NOT NULL,
    local_event_id INTEGER NOT NULL,
    event_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    invoice_no INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    accepted_from TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX sales_id ON sales (tenant_id, id);
  CREATE UNIQUE INDEX sales_event_key ON sales (tenant_id, event_key, accepted_from);
  CREATE UNIQUE INDEX sales_invoice ON sales (tenant_id, branch_id, invoice_no);
  CREATE INDEX sales_pos ON sales (tenant_id, terminal_id, pos_id, local_event_id);

  -- The sales acknowledgements stream, per branch, pulled filtered to one terminal.
  CREATE TABLE sale_acks (
    tenant_id TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    sale_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ingested INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, branch_id, sale_id)
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX sale_acks_seq ON sale_acks (tenant_id, branch_id, seq);
  CREATE INDEX sale_acks_terminal ON sale_acks (tenant_id, branch_id, terminal_id, seq);

  -- Lost-sale detection: highest contiguous localEventId per installation, kept up to date at ingest.
  CREATE TABLE pos_progress (
    tenant_id TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    pos_id TEXT NOT NULL,
    branch_id TEXT NOT NULL,
    highest_contiguous INTEGER NOT NULL,
    highest_seen INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, terminal_id, pos_id)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE dead_letters (
    n INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    branch_id TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    event_key TEXT NOT NULL,
    event_id TEXT,
    pos_id TEXT,
    local_event_id INTEGER,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    problems TEXT NOT NULL,
    payload TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution TEXT,
    resolution_note TEXT,
    resolved_by TEXT
  ) STRICT;
  CREATE INDEX dead_letters_tenant ON dead_letters (tenant_id, resolved_at, n);
  CREATE INDEX dead_letters_key ON dead_letters (tenant_id, event_key, payload_hash);
  CREATE INDEX dead_letters_pos ON dead_letters (tenant_id, terminal_id, pos_id, local_event_id);

  CREATE TABLE audit_log (
    n INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
  target TEXT,
    details TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_log_tenant ON audit_log (tenant_id, n);
  CREATE INDEX audit_log_at ON audit_log (at);
  `,
  /* v2: admin tokens expire, are revoked and listed per tenant; SKU and barcode lookups */ `
  ALTER TABLE admin_tokens ADD COLUMN expires_at TEXT;
  ALTER TABLE admin_tokens ADD COLUMN revoked_at TEXT;
  CREATE INDEX admin_tokens_tenant ON admin_tokens (tenant_id, created_at);

  -- SKU and barcode lookups of live products, for the uniqueness check of upserts. Not UNIQUE: files
  -- written by v1 may hold duplicates, which the check reports when one of them is written again.
  CREATE INDEX products_sku ON products (tenant_id, json_extract(doc, '$.sku')) WHERE deleted = 0;
  CREATE INDEX products_barcode ON products (tenant_id, json_extract(doc, '$.barcode'))
    WHERE deleted = 0;
  `,
  /* v3: the terminal each inventory operation creator belongs to */ `
  CREATE TABLE inventory_creators (
    tenant_id TEXT NOT NULL,
    creator TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, creator)
  ) STRICT;
  `,
  /* v4: audit entries carry their entity type and an offline flag; filters of the audit log */ `
  ALTER TABLE audit_log ADD COLUMN entity_type TEXT NOT NULL DEFAULT '';
  ALTER TABLE audit_log ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
  UPDATE audit_log SET entity_type = CASE action
    WHEN 'createTenant' THEN 'tenant'
    WHEN 'createAdminToken' THEN 'adminToken'
    WHEN 'revokeAdminToken' THEN 'adminToken'
    WHEN 'createBranch' THEN 'branch'
    WHEN 'registerTerminal' THEN 'terminal'
    WHEN 'revokeTerminal' THEN 'terminal'
    WHEN 'reassignTerminal' THEN 'terminal'
    WHEN 'upsert:products' THEN 'product'
    WHEN 'delete:products' THEN 'product'
    WHEN 'upsert:categories' THEN 'category'
    WHEN 'delete:categories' THEN 'category'
    WHEN 'repairInventory' THEN 'inventory'
    WHEN 'acceptRejectedSale' THEN 'rejectedEvent'
    WHEN 'discardRejectedSale' THEN 'rejectedEvent'
    ELSE action END;
  -- One index per filter, each ending in n so a filtered page is a range scan in cursor order.
  CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity_type, target, n);
  CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor, n);
  CREATE INDEX audit_log_offline ON audit_log (tenant_id, offline, n);
  CREATE INDEX audit_log_tenant_at ON audit_log (tenant_id, at, n);
  `,
  /* v5: returns (sales schema version 2): the kind of each booking, the original a return points at,
     per original sale what was returned of each line (docs/design.md#returns); offline policies */ `
  ALTER TABLE sales ADD COLUMN kind TEXT NOT NULL DEFAULT 'sale';
  ALTER TABLE sales ADD COLUMN return_of TEXT;
  CREATE INDEX sales_return_of ON sales (tenant_id, return_of) WHERE return_of IS NOT NULL;
  CREATE TABLE return_counters (
    tenant_id TEXT NOT NULL,
    sale_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sale_id)
  ) STRICT;
  -- Offline limits (docs/design.md#offline-limits): scope '' is the tenant's policy, else a branch's.
  CREATE TABLE offline_policies (
    tenant_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, scope)
  ) STRICT;
  `,
  /* v6: customers (a tenant-wide stream) and their accounts' ledger */ `
  -- phone_key and email_key: the normalised phone and email (duplicate detection); merged_into: the
  -- customer a duplicate was merged into (a balance sums the entries of its merged customers too).
  CREATE TABLE customers (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    merged_into TEXT,
    phone_key TEXT,
    email_key TEXT,
    changed_at TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  CREATE UNIQUE INDEX customers_seq ON customers (tenant_id, seq);
  CREATE INDEX customers_phone ON customers (tenant_id, phone_key)
    WHERE phone_key IS NOT NULL AND merged_into IS NULL;
  CREATE INDEX customers_email ON customers (tenant_id, email_key)
    WHERE email_key IS NOT NULL AND merged_into IS NULL;
  CREATE INDEX customers_merged ON customers (tenant_id, merged_into)
    WHERE merged_into IS NOT NULL;
  -- An account booking naming another tenant's customer is refused (by id across tenants).
  CREATE INDEX customers_id ON customers (id);

  -- The accounts' ledger: one entry per account booking (charge, settlement, refund), never changed
  -- or deleted. seq is the tenant's ledger position (its own stream head, 'ledger'); amount_minor is
  -- what the booking adds to the balance (a charge positive, a settlement or refund negative).
  CREATE TABLE ledger_entries (
    tenant_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sale_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    branch_id TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- A charge's verification at ingest ('verified', 'over_limit'); an operator resolves over-limit ones.
    verification TEXT,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution_note TEXT,
    PRIMARY KEY (tenant_id, sale_id)
  ) STRICT;
  CREATE INDEX ledger_over_limit ON ledger_entries (tenant_id, seq)
    WHERE verification = 'over_limit' AND resolved_at IS NULL;
  CREATE UNIQUE INDEX ledger_seq ON ledger_entries (tenant_id, seq);
  CREATE INDEX ledger_customer ON ledger_entries (tenant_id, customer_id, seq);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file to `target` (default `SCHEMA_VERSION`; lower only to build old files in tests) in
 * one transaction per version. A file written by newer code is
 * refused rather than guessed at.
 */
export function migrate(db: Database, target: number = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `store schema version ${current} is newer than this server (${SCHEMA_VERSION})`,
    );
  }
  for (let version = current; version < target; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

import type { Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { Branch, Tenant, Terminal } from '../../../schema/index.ts';
import {
  DEFAULT_TENANT_ID,
  PosError,
  branchSchema,
  createUuidV7,
  idSchema,
  nameSchema,
  tenantSchema,
} from '../../../schema/index.ts';
import type { TerminalRecord } from '../core/terminal-status.ts';
import { terminalOf } from '../core/terminal-status.ts';
import { adminTokenStatus, parseAdminTokenExpiry } from '../admin-tokens.ts';
import type {
  AdminIdentity,
  AdminTokenInfo,
  BranchInput,
  IssuedAdminToken,
  RegisteredTerminal,
  TerminalIdentity,
} from '../cloud-store.ts';
import { createToken, hashToken } from '../token-hash.ts';
import type { StampedContact } from './contact-buffer.ts';
import { parseInput } from '../parse-input.ts';
import { prepareStatements } from './prepare-statements.ts';
import type { StoreContext } from './store-context.ts';

/** An admin token row without its hash: nothing that lists tokens ever reads the hash. */
const ADMIN_TOKEN_COLUMNS = 'id, tenant_id, name, created_at, expires_at, revoked_at';

type AdminTokenRow = {
  id: string;
  tenant_id: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
};

function adminTokenOfRow(row: AdminTokenRow): AdminTokenInfo {
  return {
    tokenId: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** The SQL of this part of the store, by statement name. */
const TENANCY_SQL = {
  insertTenant: `INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
  selectTenants: `SELECT id, name FROM tenants ORDER BY id`,
  selectTenant: `SELECT id, name FROM tenants WHERE id = ?`,
  insertAdminToken: `INSERT INTO admin_tokens (id, tenant_id, name, token_hash, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
  selectAdminTokenByHash: `SELECT ${ADMIN_TOKEN_COLUMNS} FROM admin_tokens WHERE token_hash = ?`,
  selectAdminToken: `SELECT ${ADMIN_TOKEN_COLUMNS} FROM admin_tokens WHERE id = ?`,
  selectAdminTokens: `SELECT ${ADMIN_TOKEN_COLUMNS} FROM admin_tokens
    WHERE @tenantId IS NULL OR tenant_id = @tenantId ORDER BY created_at, id`,
  revokeAdminToken: `UPDATE admin_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`,
  selectSetting: `SELECT value FROM settings WHERE key = ?`,
  upsertSetting: `INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  insertBranch: `INSERT INTO branches (tenant_id, id, name, currency, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
  selectBranches: `SELECT tenant_id, id, name, currency FROM branches WHERE tenant_id = ? ORDER BY id`,
  selectBranch: `SELECT tenant_id, id, name, currency FROM branches WHERE tenant_id = ? AND id = ?`,
  insertTerminal: `INSERT INTO terminals (tenant_id, id, branch_id, name, token_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
  selectTerminal: `SELECT * FROM terminals WHERE tenant_id = ? AND id = ?`,
  selectTerminals: `SELECT * FROM terminals WHERE tenant_id = @tenantId
    AND (@branchId IS NULL OR branch_id = @branchId) ORDER BY branch_id, name, id`,
  selectTerminalByHash: `SELECT tenant_id, id, branch_id, revoked_at FROM terminals WHERE token_hash = ?`,
  revokeTerminal: `UPDATE terminals SET revoked_at = coalesce(revoked_at, ?) WHERE tenant_id = ? AND id = ?`,
  reassignTerminal: `UPDATE terminals SET branch_id = ?, token_hash = ?, checkpoints = '{}'
         WHERE tenant_id = ? AND id = ?`,
  recordPull: `UPDATE terminals SET last_pull_at = ?, queue_depth = coalesce(?, queue_depth)
         WHERE tenant_id = ? AND id = ?`,
  recordPush: `UPDATE terminals SET last_push_at = ?, queue_depth = coalesce(?, queue_depth)
         WHERE tenant_id = ? AND id = ?`,
  recordCheckpoint: `UPDATE terminals SET checkpoints = json_set(checkpoints, '$.' || ?, ?)
         WHERE tenant_id = ? AND id = ?`,
};

const ROOT_TOKEN_HASH_KEY = 'root_token_hash';

/** A terminal row as stored; the checkpoints and contact columns feed the admin status view. */
export type TerminalRow = {
  tenant_id: string;
  id: string;
  branch_id: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
  last_pull_at: string | null;
  last_push_at: string | null;
  queue_depth: number | null;
  checkpoints: string;
};

/** The terminal row in the shape the core's terminal rules read. */
export function terminalRecordOf(row: TerminalRow): TerminalRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    branchId: row.branch_id,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastPullAt: row.last_pull_at,
    lastPushAt: row.last_push_at,
    queueDepth: row.queue_depth,
    checkpoints: JSON.parse(row.checkpoints) as TerminalRecord['checkpoints'],
  };
}

/** Tenants, admin tokens, branches and terminals: the records every token resolves against. */
export class Tenancy {
  readonly #ctx: StoreContext;
  readonly #s: Record<keyof typeof TENANCY_SQL, Statement>;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.#s = prepareStatements(ctx.db, TENANCY_SQL);
    // The embedded default runs one tenant; it exists from the first open so the simple case needs no setup.
    this.#s.insertTenant.run(DEFAULT_TENANT_ID, 'Default', ctx.now().toISOString());
  }

  createTenant(input: Tenant, actor: string): Tenant {
    const tenant = parseInput(tenantSchema, input, 'tenant');
    return this.#ctx.db.transaction(() => {
      const { changes } = this.#s.insertTenant.run(
        tenant.id,
        tenant.name,
        this.#ctx.now().toISOString(),
      );
      if (changes === 0) throw new PosError('POS_INPUT_INVALID', `tenant ${tenant.id} exists`);
      this.#ctx.audit.record(tenant.id, actor, 'createTenant', tenant.id, { name: tenant.name });
      return tenant;
    })();
  }

  listTenants(): Tenant[] {
    return this.#s.selectTenants.all() as Tenant[];
  }

  requireTenant(tenantId: string): void {
    if (this.#s.selectTenant.get(tenantId) === undefined) {
      throw new PosError('POS_NOT_FOUND', `tenant ${tenantId} does not exist`);
    }
  }

  createAdminToken(
    tenantId: string,
    name: string,
    actor: string,
    options: { expiresAt?: string | null } = {},
  ): IssuedAdminToken {
    const tokenName = parseInput(nameSchema, name, 'token name');
    const now = this.#ctx.now();
    const expiresAt = parseAdminTokenExpiry(options.expiresAt, now);
    return this.#ctx.db.transaction(() => {
      this.requireTenant(tenantId);
      const token = createToken('pos_a');
      const tokenId = createUuidV7();
      const createdAt = now.toISOString();
      this.#s.insertAdminToken.run(
        tokenId,
        tenantId,
        tokenName,
        hashToken(token),
        createdAt,
        expiresAt,
      );
      this.#ctx.audit.record(tenantId, actor, 'createAdminToken', tokenId, {
        name: tokenName,
        expiresAt,
      });
      return { tokenId, tenantId, name: tokenName, createdAt, expiresAt, revokedAt: null, token };
    })();
  }

  listAdminTokens(tenantId: string | null): AdminTokenInfo[] {
    return (this.#s.selectAdminTokens.all({ tenantId }) as AdminTokenRow[]).map(adminTokenOfRow);
  }

  revokeAdminToken(tenantId: string | null, tokenId: string, actor: string): AdminTokenInfo {
    return this.#ctx.db.transaction(() => {
      const row = this.#s.selectAdminToken.get(tokenId) as AdminTokenRow | undefined;
      // A token of another tenant is reported as missing: its existence is not the caller's business.
      if (!row || (tenantId !== null && row.tenant_id !== tenantId)) {
        throw new PosError('POS_NOT_FOUND', `admin token ${tokenId} does not exist`);
      }
      this.#s.revokeAdminToken.run(this.#ctx.now().toISOString(), tokenId);
      this.#ctx.audit.record(row.tenant_id, actor, 'revokeAdminToken', tokenId);
      return adminTokenOfRow(this.#s.selectAdminToken.get(tokenId) as AdminTokenRow);
    })();
  }

  verifyAdminToken(token: string): AdminIdentity | null {
    const hash = hashToken(token);
    if (this.getRootTokenHash() === hash) return { kind: 'root' };
    const row = this.#s.selectAdminTokenByHash.get(hash) as AdminTokenRow | undefined;
    if (!row) return null;
    const info = adminTokenOfRow(row);
    return {
      kind: 'tenant',
      tenantId: info.tenantId,
      tokenId: info.tokenId,
      expiresAt: info.expiresAt,
      status: adminTokenStatus(info, this.#ctx.now()),
    };
  }

  getRootTokenHash(): string | null {
    const row = this.#s.selectSetting.get(ROOT_TOKEN_HASH_KEY) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setRootTokenHash(hash: string): void {
    parseInput(z.string().regex(/^[0-9a-f]{64}$/), hash, 'root token hash (SHA-256 hex)');
    this.#s.upsertSetting.run(ROOT_TOKEN_HASH_KEY, hash);
  }

  createBranch(tenantId: string, input: BranchInput, actor: string): Branch {
    const branch = parseInput(branchSchema, { ...input, tenantId }, 'branch');
    return this.#ctx.db.transaction(() => {
      this.requireTenant(tenantId);
      const { changes } = this.#s.insertBranch.run(
        tenantId,
        branch.id,
        branch.name,
        branch.currency ?? null,
        this.#ctx.now().toISOString(),
      );
      if (changes === 0) throw new PosError('POS_INPUT_INVALID', `branch ${branch.id} exists`);
      this.#ctx.audit.record(tenantId, actor, 'createBranch', branch.id, { ...input });
      return branch;
    })();
  }

  listBranches(tenantId: string): Branch[] {
    return (this.#s.selectBranches.all(tenantId) as BranchRow[]).map(branchOfRow);
  }

  getBranch(tenantId: string, branchId: string): Branch | null {
    const row = this.#s.selectBranch.get(tenantId, branchId) as BranchRow | undefined;
    return row ? branchOfRow(row) : null;
  }

  requireBranch(tenantId: string, branchId: string): Branch {
    const branch = this.getBranch(tenantId, branchId);
    if (!branch) throw new PosError('POS_NOT_FOUND', `branch ${branchId} does not exist`);
    return branch;
  }

  registerTerminal(
    tenantId: string,
    input: { branchId: string; name: string },
    actor: string,
  ): RegisteredTerminal {
    const { branchId, name } = parseInput(
      z.object({ branchId: idSchema, name: nameSchema }),
      input,
      'terminal',
    );
    return this.#ctx.db.transaction(() => {
      this.requireBranch(tenantId, branchId);
      const id = createUuidV7();
      const token = createToken('pos_t');
      const at = this.#ctx.now().toISOString();
      this.#s.insertTerminal.run(tenantId, id, branchId, name, hashToken(token), at);
      this.#ctx.audit.record(tenantId, actor, 'registerTerminal', id, { branchId, name });
      return { terminal: this.requireTerminal(tenantId, id), token };
    })();
  }

  revokeTerminal(tenantId: string, terminalId: string, actor: string): Terminal {
    return this.#ctx.db.transaction(() => {
      this.requireTerminal(tenantId, terminalId);
      this.#s.revokeTerminal.run(this.#ctx.now().toISOString(), tenantId, terminalId);
      this.#ctx.audit.record(tenantId, actor, 'revokeTerminal', terminalId);
      return this.requireTerminal(tenantId, terminalId);
    })();
  }

  reassignTerminal(
    tenantId: string,
    terminalId: string,
    branchId: string,
    actor: string,
  ): RegisteredTerminal {
    return this.#ctx.db.transaction(() => {
      const before = this.requireTerminal(tenantId, terminalId);
      if (before.revokedAt !== null) {
        throw new PosError('POS_TERMINAL_ALREADY_REVOKED', `terminal ${terminalId} is revoked`);
      }
      this.requireBranch(tenantId, branchId);
      const token = createToken('pos_t');
      this.#s.reassignTerminal.run(branchId, hashToken(token), tenantId, terminalId);
      this.#ctx.audit.record(tenantId, actor, 'reassignTerminal', terminalId, {
        from: before.branchId,
        to: branchId,
      });
      return { terminal: this.requireTerminal(tenantId, terminalId), token };
    })();
  }

  getTerminalRow(tenantId: string, terminalId: string): TerminalRow | undefined {
    return this.#s.selectTerminal.get(tenantId, terminalId) as TerminalRow | undefined;
  }

  listTerminalRows(tenantId: string, branchId: string | null): TerminalRow[] {
    return this.#s.selectTerminals.all({ tenantId, branchId }) as TerminalRow[];
  }

  getTerminal(tenantId: string, terminalId: string): Terminal | null {
    const row = this.getTerminalRow(tenantId, terminalId);
    return row ? terminalOf(terminalRecordOf(row)) : null;
  }

  requireTerminal(tenantId: string, terminalId: string): Terminal {
    const terminal = this.getTerminal(tenantId, terminalId);
    if (!terminal) throw new PosError('POS_NOT_FOUND', `terminal ${terminalId} does not exist`);
    return terminal;
  }

  verifyTerminalToken(token: string): TerminalIdentity | null {
    const row = this.#s.selectTerminalByHash.get(hashToken(token)) as
      { tenant_id: string; id: string; branch_id: string; revoked_at: string | null } | undefined;
    if (!row) return null;
    return {
      tenantId: row.tenant_id,
      terminalId: row.id,
      branchId: row.branch_id,
      revoked: row.revoked_at !== null,
    };
  }

  /** Writes contacts in order, in one transaction (`ContactBuffer` batches them). */
  writeTerminalContacts(contacts: StampedContact[]): void {
    this.#ctx.db.transaction(() => {
      for (const { scope, contact } of contacts) {
        const record = contact.kind === 'pull' ? this.#s.recordPull! : this.#s.recordPush!;
        record.run(
          contact.at.toISOString(),
          contact.queueDepth ?? null,
          scope.tenantId,
          scope.terminalId,
        );
        if (contact.stream !== undefined && contact.checkpoint != null) {
          this.#s.recordCheckpoint.run(
            contact.stream,
            contact.checkpoint.seq,
            scope.tenantId,
            scope.terminalId,
          );
        }
      }
    })();
  }
}

type BranchRow = { tenant_id: string; id: string; name: string; currency: string | null };

function branchOfRow(row: BranchRow): Branch {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    ...(row.currency === null ? {} : { currency: row.currency }),
  };
}

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
import { terminalOf } from '../core/terminal-status.ts';
import { adminTokenStatus, parseAdminTokenExpiry } from '../admin-tokens.ts';
import type {
  AdminIdentity,
  AdminTokenInfo,
  BranchInput,
  IssuedAdminToken,
  RegisteredTerminal,
  TerminalContact,
  TerminalIdentity,
  TerminalScope,
} from '../cloud-store.ts';
import { parseInput } from '../parse-input.ts';
import { createToken, hashToken } from '../token-hash.ts';
import type { AuditLog } from './audit-log.ts';
import type { AdminTokenDoc, Collections, TerminalDoc } from './collections.ts';
import { duplicateKeyOf } from './stream-seq.ts';

const ROOT_TOKEN_HASH_KEY = 'root_token_hash';

/** Tenants, admin tokens, branches and terminals: single-document writes, uniqueness by index. */
export class Tenancy {
  readonly #c: Collections;
  readonly #audit: AuditLog;
  readonly #now: () => Date;

  constructor(collections: Collections, audit: AuditLog, now: () => Date) {
    this.#c = collections;
    this.#audit = audit;
    this.#now = now;
  }

  /** The embedded default runs one tenant; it exists from the first open so the simple case needs no setup. */
  async ensureDefaultTenant(): Promise<void> {
    await this.#c.tenants.updateOne(
      { _id: DEFAULT_TENANT_ID },
      { $setOnInsert: { name: 'Default', createdAt: this.#now().toISOString() } },
      { upsert: true },
    );
  }

  async createTenant(input: Tenant, actor: string): Promise<Tenant> {
    const tenant = parseInput(tenantSchema, input, 'tenant');
    await insertUnique(
      this.#c.tenants.insertOne({
        _id: tenant.id,
        name: tenant.name,
        createdAt: this.#now().toISOString(),
      }),
      `tenant ${tenant.id} exists`,
    );
    await this.#audit.record(tenant.id, actor, 'createTenant', tenant.id, { name: tenant.name });
    return tenant;
  }

  async listTenants(): Promise<Tenant[]> {
    const docs = await this.#c.tenants.find({}, { sort: { _id: 1 } }).toArray();
    return docs.map((d) => ({ id: d._id, name: d.name }));
  }

  async requireTenant(tenantId: string): Promise<void> {
    if ((await this.#c.tenants.findOne({ _id: tenantId })) === null) {
      throw new PosError('POS_NOT_FOUND', `tenant ${tenantId} does not exist`);
    }
  }

  async createAdminToken(
    tenantId: string,
    name: string,
    actor: string,
    options: { expiresAt?: string | null } = {},
  ): Promise<IssuedAdminToken> {
    const tokenName = parseInput(nameSchema, name, 'token name');
    const now = this.#now();
    const expiresAt = parseAdminTokenExpiry(options.expiresAt, now);
    await this.requireTenant(tenantId);
    const token = createToken('pos_a');
    const tokenId = createUuidV7();
    const createdAt = now.toISOString();
    await this.#c.adminTokens.insertOne({
      _id: tokenId,
      tenantId,
      name: tokenName,
      tokenHash: hashToken(token),
      createdAt,
      expiresAt,
      revokedAt: null,
    });
    await this.#audit.record(tenantId, actor, 'createAdminToken', tokenId, {
      name: tokenName,
      expiresAt,
    });
    return { tokenId, tenantId, name: tokenName, createdAt, expiresAt, revokedAt: null, token };
  }

  async listAdminTokens(tenantId: string | null): Promise<AdminTokenInfo[]> {
    const docs = await this.#c.adminTokens
      .find(tenantId === null ? {} : { tenantId }, {
        sort: { createdAt: 1, _id: 1 },
        projection: { tokenHash: 0 },
      })
      .toArray();
    return docs.map(adminTokenOfDoc);
  }

  async revokeAdminToken(
    tenantId: string | null,
    tokenId: string,
    actor: string,
  ): Promise<AdminTokenInfo> {
    const filter = { _id: tokenId, ...(tenantId === null ? {} : { tenantId }) };
    // A token of another tenant is reported as missing: its existence is not the caller's business.
    const before = await this.#c.adminTokens.findOne(filter);
    if (!before) throw new PosError('POS_NOT_FOUND', `admin token ${tokenId} does not exist`);
    await this.#c.adminTokens.updateOne(
      { ...filter, revokedAt: { $in: [null] } },
      { $set: { revokedAt: this.#now().toISOString() } },
    );
    await this.#audit.record(before.tenantId, actor, 'revokeAdminToken', tokenId);
    return adminTokenOfDoc((await this.#c.adminTokens.findOne(filter))!);
  }

  async verifyAdminToken(token: string): Promise<AdminIdentity | null> {
    const hash = hashToken(token);
    if ((await this.getRootTokenHash()) === hash) return { kind: 'root' };
    const doc = await this.#c.adminTokens.findOne({ tokenHash: hash });
    if (!doc) return null;
    const info = adminTokenOfDoc(doc);
    return {
      kind: 'tenant',
      tenantId: info.tenantId,
      tokenId: info.tokenId,
      expiresAt: info.expiresAt,
      status: adminTokenStatus(info, this.#now()),
    };
  }

  async getRootTokenHash(): Promise<string | null> {
    return (await this.#c.settings.findOne({ _id: ROOT_TOKEN_HASH_KEY }))?.value ?? null;
  }

  async setRootTokenHash(hash: string): Promise<void> {
    parseInput(z.string().regex(/^[0-9a-f]{64}$/), hash, 'root token hash (SHA-256 hex)');
    await this.#c.settings.updateOne(
      { _id: ROOT_TOKEN_HASH_KEY },
      { $set: { value: hash } },
      { upsert: true },
    );
  }

  async createBranch(tenantId: string, input: BranchInput, actor: string): Promise<Branch> {
    const branch = parseInput(branchSchema, { ...input, tenantId }, 'branch');
    await this.requireTenant(tenantId);
    await insertUnique(
      this.#c.branches.insertOne({
        tenantId,
        id: branch.id,
        name: branch.name,
        currency: branch.currency ?? null,
        createdAt: this.#now().toISOString(),
      }),
      `branch ${branch.id} exists`,
    );
    await this.#audit.record(tenantId, actor, 'createBranch', branch.id, { ...input });
    return branch;
  }

  async listBranches(tenantId: string): Promise<Branch[]> {
    const docs = await this.#c.branches.find({ tenantId }, { sort: { id: 1 } }).toArray();
    return docs.map(branchOfDoc);
  }

  async getBranch(tenantId: string, branchId: string): Promise<Branch | null> {
    const doc = await this.#c.branches.findOne({ tenantId, id: branchId });
    return doc ? branchOfDoc(doc) : null;
  }

  async requireBranch(tenantId: string, branchId: string): Promise<Branch> {
    const branch = await this.getBranch(tenantId, branchId);
    if (!branch) throw new PosError('POS_NOT_FOUND', `branch ${branchId} does not exist`);
    return branch;
  }

  async registerTerminal(
    tenantId: string,
    input: { branchId: string; name: string },
    actor: string,
  ): Promise<RegisteredTerminal> {
    const { branchId, name } = parseInput(
      z.object({ branchId: idSchema, name: nameSchema }),
      input,
      'terminal',
    );
    await this.requireBranch(tenantId, branchId);
    const id = createUuidV7();
    const token = createToken('pos_t');
    await this.#c.terminals.insertOne({
      tenantId,
      id,
      branchId,
      name,
      tokenHash: hashToken(token),
      createdAt: this.#now().toISOString(),
      revokedAt: null,
      lastPullAt: null,
      lastPushAt: null,
      queueDepth: null,
      checkpoints: {},
    });
    await this.#audit.record(tenantId, actor, 'registerTerminal', id, { branchId, name });
    return { terminal: await this.requireTerminal(tenantId, id), token };
  }

  async revokeTerminal(tenantId: string, terminalId: string, actor: string): Promise<Terminal> {
    await this.requireTerminal(tenantId, terminalId);
    await this.#c.terminals.updateOne(
      { tenantId, id: terminalId, revokedAt: null },
      { $set: { revokedAt: this.#now().toISOString() } },
    );
    await this.#audit.record(tenantId, actor, 'revokeTerminal', terminalId);
    return this.requireTerminal(tenantId, terminalId);
  }

  async reassignTerminal(
    tenantId: string,
    terminalId: string,
    branchId: string,
    actor: string,
  ): Promise<RegisteredTerminal> {
    const before = await this.requireTerminal(tenantId, terminalId);
    if (before.revokedAt !== null) {
      throw new PosError('POS_TERMINAL_ALREADY_REVOKED', `terminal ${terminalId} is revoked`);
    }
    await this.requireBranch(tenantId, branchId);
    const token = createToken('pos_t');
    // The revoked check is repeated in the filter: a revoke racing this call wins.
    const { matchedCount } = await this.#c.terminals.updateOne(
      { tenantId, id: terminalId, revokedAt: null },
      { $set: { branchId, tokenHash: hashToken(token), checkpoints: {} } },
    );
    if (matchedCount === 0) {
      throw new PosError('POS_TERMINAL_ALREADY_REVOKED', `terminal ${terminalId} is revoked`);
    }
    await this.#audit.record(tenantId, actor, 'reassignTerminal', terminalId, {
      from: before.branchId,
      to: branchId,
    });
    return { terminal: await this.requireTerminal(tenantId, terminalId), token };
  }

  async terminalDocs(tenantId: string, branchId: string | null): Promise<TerminalDoc[]> {
    return this.#c.terminals
      .find(
        { tenantId, ...(branchId === null ? {} : { branchId }) },
        { sort: { branchId: 1, name: 1, id: 1 }, projection: { _id: 0 } },
      )
      .toArray() as Promise<TerminalDoc[]>;
  }

  async getTerminal(tenantId: string, terminalId: string): Promise<Terminal | null> {
    const doc = await this.#c.terminals.findOne({ tenantId, id: terminalId });
    return doc ? terminalOf(doc) : null;
  }

  async requireTerminal(tenantId: string, terminalId: string): Promise<Terminal> {
    const terminal = await this.getTerminal(tenantId, terminalId);
    if (!terminal) throw new PosError('POS_NOT_FOUND', `terminal ${terminalId} does not exist`);
    return terminal;
  }

  async verifyTerminalToken(token: string): Promise<TerminalIdentity | null> {
    const doc = await this.#c.terminals.findOne({ tokenHash: hashToken(token) });
    if (!doc) return null;
    return {
      tenantId: doc.tenantId,
      terminalId: doc.id,
      branchId: doc.branchId,
      revoked: doc.revokedAt !== null,
    };
  }

  async recordTerminalContact(scope: TerminalScope, contact: TerminalContact): Promise<void> {
    const at = (contact.at ?? this.#now()).toISOString();
    const set: Record<string, unknown> = {
      [contact.kind === 'pull' ? 'lastPullAt' : 'lastPushAt']: at,
    };
    if (contact.queueDepth != null) set['queueDepth'] = contact.queueDepth;
    if (contact.stream !== undefined && contact.checkpoint != null) {
      set[`checkpoints.${contact.stream}`] = contact.checkpoint.seq;
    }
    await this.#c.terminals.updateOne(
      { tenantId: scope.tenantId, id: scope.terminalId },
      { $set: set },
    );
  }
}

function adminTokenOfDoc(doc: Omit<AdminTokenDoc, 'tokenHash'>): AdminTokenInfo {
  return {
    tokenId: doc._id,
    tenantId: doc.tenantId,
    name: doc.name,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    revokedAt: doc.revokedAt ?? null,
  };
}

async function insertUnique(insert: Promise<unknown>, message: string): Promise<void> {
  try {
    await insert;
  } catch (error) {
    if (duplicateKeyOf(error)) throw new PosError('POS_INPUT_INVALID', message);
    throw error;
  }
}

function branchOfDoc(doc: { tenantId: string; id: string; name: string; currency: string | null }) {
  return {
    id: doc.id,
    tenantId: doc.tenantId,
    name: doc.name,
    ...(doc.currency === null ? {} : { currency: doc.currency }),
  };
}

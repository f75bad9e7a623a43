import type { Logger } from 'pino';
import { OFFLINE_POLICY_DOCUMENT } from '../replication/index.ts';
import type { OfflinePolicy, Payment, Sale, SaleOverride } from '../schema/index.ts';
import {
  DEFAULT_OFFLINE_POLICY,
  isOffline,
  offlineLimitProblems,
  offlinePolicySchema,
  requireOverride,
} from '../schema/index.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import type { TerminalDatabase } from './terminal-database.ts';

/** RxDB local documents: the branch's policy as last pulled, and the last cloud contact. */
const POLICY_KEY = 'offline-policy';
const CONTACT_KEY = 'cloud-contact';

/** The last contact is written at most this often: a restart may see it this much older. */
const CONTACT_WRITE_MS = 10_000;

/** Where the terminal stands with the cloud when it makes an event. */
export type ContactState = { online: boolean; offline: boolean; lastContactAt: string | null };

/**
 * The offline limits at the till (docs/design.md#offline-limits): the branch's policy (pulled, kept
 * in the file so it applies after a restart offline), the last successful cloud contact, and the
 * events made offline since, derived from the sales read at open like `localEventId`.
 */
export class OfflineLimits {
  readonly #db: TerminalDatabase;
  readonly #logger: () => Logger;
  #policy: OfflinePolicy;
  #lastContactMs: number | null;
  #writtenContactMs: number | null;
  /** The sum of the totals of the events made offline since the last contact. */
  #offlineTotalMinor = 0;

  private constructor(
    db: TerminalDatabase,
    logger: () => Logger,
    policy: OfflinePolicy,
    lastContactMs: number | null,
    sales: Iterable<Sale>,
  ) {
    this.#db = db;
    this.#logger = logger;
    this.#policy = policy;
    this.#lastContactMs = lastContactMs;
    this.#writtenContactMs = lastContactMs;
    for (const sale of sales) this.record(sale);
  }

  /** Reads the stored policy and last contact; `sales` are the sales read at open. */
  static async open(
    db: TerminalDatabase,
    sales: Iterable<Sale>,
    logger: () => Logger,
  ): Promise<OfflineLimits> {
    const policy = offlinePolicySchema.safeParse((await db.getLocal(POLICY_KEY))?.toJSON().data);
    const contact = (await db.getLocal<{ at: string }>(CONTACT_KEY))?.toJSON().data as
      { at: string } | undefined;
    const lastContactMs = contact ? Date.parse(contact.at) : null;
    return new OfflineLimits(
      db,
      logger,
      policy.success ? policy.data : { ...DEFAULT_OFFLINE_POLICY },
      lastContactMs,
      sales,
    );
  }

  get policy(): Readonly<OfflinePolicy> {
    return this.#policy;
  }

  /** The sum of the totals of the events made offline since the last contact. */
  get offlineTotalMinor(): number {
    return this.#offlineTotalMinor;
  }

  /** The cloud answered: contact now. The stored time follows at most every 10 s. */
  contacted(now = Date.now()): void {
    this.#lastContactMs = now;
    this.#offlineTotalMinor = 0;
    if (this.#writtenContactMs !== null && now - this.#writtenContactMs < CONTACT_WRITE_MS) return;
    this.#writtenContactMs = now;
    this.#db
      .upsertLocal(CONTACT_KEY, { at: new Date(now).toISOString() })
      .catch((error: unknown) => {
        this.#logger().warn({ err: error }, 'last cloud contact not stored');
      });
  }

  /** Where the terminal stands for an event made at `now`; an open connection is contact now. */
  state(online: boolean, now = Date.now()): ContactState {
    if (online) this.contacted(now);
    const at = this.#lastContactMs === null ? null : new Date(this.#lastContactMs).toISOString();
    return { online, offline: !online && isOffline(this.#policy, at, now), lastContactAt: at };
  }

  /**
   * Refuses an event beyond the policy with `POS_OFFLINE_LIMIT_EXCEEDED` unless `override` names
   * that code. Returns whether the override was needed (then the event records it).
   */
  check(
    event: { totalMinor: number; payments: readonly Payment[] },
    override: SaleOverride | null,
  ): boolean {
    const problems = offlineLimitProblems(this.#policy, event, this.offlineTotalMinor);
    return requireOverride('POS_OFFLINE_LIMIT_EXCEEDED', problems, override, {
      offlineTotalMinor: this.offlineTotalMinor,
      policy: this.#policy,
    });
  }

  /** An event was stored: one made offline after the last contact counts toward the total. */
  record(sale: Pick<Sale, 'offline' | 'createdAt' | 'totals'>): void {
    const atMs = Date.parse(sale.createdAt);
    if (!sale.offline || (this.#lastContactMs !== null && atMs <= this.#lastContactMs)) return;
    this.#offlineTotalMinor += sale.totals.totalMinor;
  }

  /** Pulls the branch's policy; kept in the file when it changed. Failures wait for the next try. */
  async refresh(caller: GraphQLCaller): Promise<void> {
    try {
      const answer = await caller.call<{ offlinePolicy: unknown }>(
        OFFLINE_POLICY_DOCUMENT,
        'offlinePolicy',
        {},
      );
      const parsed = offlinePolicySchema.safeParse(answer.offlinePolicy);
      if (!parsed.success) return;
      if (JSON.stringify(parsed.data) === JSON.stringify(this.#policy)) return;
      this.#policy = parsed.data;
      await this.#db.upsertLocal(POLICY_KEY, parsed.data);
      this.#logger().info({ policy: parsed.data }, 'offline policy updated');
    } catch (error) {
      this.#logger().debug({ err: error }, 'offline policy not refreshed');
    }
  }
}

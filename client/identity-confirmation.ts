import type { Logger } from 'pino';
import type { BackoffOptions } from '../replication/index.ts';
import { createBackoff } from '../replication/index.ts';
import type { GraphQLCaller } from './graphql-client.ts';
import type { TerminalDatabase } from './terminal-database.ts';
import type { TerminalIdentity } from './terminal-identity.ts';
import { adoptCloudScope, fetchCloudScope, retryIdentityCheck } from './terminal-identity.ts';

/**
 * The terminal's identity in this process: the stored one until the cloud confirmed it (or moved
 * the terminal), and the logger bound to it.
 */
export class IdentityConfirmation {
  readonly #identity: TerminalIdentity;
  readonly #db: TerminalDatabase;
  readonly #caller: GraphQLCaller;
  readonly #baseLogger: Logger;
  #logger: Logger;
  /** The cloud confirmed the stored identity in this process (first run: it was just fetched). */
  #confirmed: boolean;
  readonly #backoff: Omit<BackoffOptions, 'retryAfterMs'>;
  readonly #signal: AbortSignal;
  readonly #exclusive: (task: () => Promise<void>) => Promise<void>;
  readonly #closed: () => boolean;
  readonly #halted: () => boolean;
  readonly #onBranchChanged: () => void;

  constructor(init: {
    identity: TerminalIdentity;
    /** Whether the identity comes straight from the cloud (first run). */
    confirmed: boolean;
    db: TerminalDatabase;
    caller: GraphQLCaller;
    /** The logger without the terminal's bindings (they follow the identity). */
    baseLogger: Logger;
    backoff: Omit<BackoffOptions, 'retryAfterMs'>;
    /** Aborted when the terminal closes: ends a wait between two checks. */
    signal: AbortSignal;
    /** Runs a task in the sell queue, so no sale is built halfway through a change of scope. */
    exclusive: (task: () => Promise<void>) => Promise<void>;
    closed: () => boolean;
    halted: () => boolean;
    /** The cloud moved the terminal to another branch (its catalog was purged). */
    onBranchChanged: () => void;
  }) {
    this.#identity = init.identity;
    this.#confirmed = init.confirmed;
    this.#db = init.db;
    this.#caller = init.caller;
    this.#baseLogger = init.baseLogger;
    this.#logger = this.#loggerForIdentity();
    this.#backoff = init.backoff;
    this.#signal = init.signal;
    this.#exclusive = init.exclusive;
    this.#closed = init.closed;
    this.#halted = init.halted;
    this.#onBranchChanged = init.onBranchChanged;
  }

  /** The identity, updated in place when the cloud moves the terminal. */
  get identity(): TerminalIdentity {
    return this.#identity;
  }

  /** The terminal's logger, bound to its current identity. */
  get logger(): Logger {
    return this.#logger;
  }

  #loggerForIdentity(): Logger {
    return this.#baseLogger.child({
      terminalId: this.#identity.terminalId,
      branchId: this.#identity.branchId,
      posId: this.#identity.posId,
    });
  }

  /**
   * Asks the cloud whose token this is until it answers. Another branch or terminal than stored is
   * adopted before any stream starts (see `adoptCloudScope`). False when the terminal closed or the
   * token was refused meanwhile.
   */
  async confirm(): Promise<boolean> {
    const stopped = () => this.#closed() || this.#halted();
    if (!this.#confirmed) {
      const confirmed = await retryIdentityCheck(
        async () => {
          if (stopped()) return false;
          const scope = await fetchCloudScope(this.#caller);
          await this.#exclusive(async () => {
            if (this.#closed()) return;
            const change = await adoptCloudScope(this.#db, this.#identity, scope, this.#logger);
            if (change.changed) this.#logger = this.#loggerForIdentity();
            if (change.branchChanged) this.#onBranchChanged();
          });
          return true;
        },
        {
          backoff: createBackoff(this.#backoff),
          signal: this.#signal,
          onFailure: (error, _attempt, waitMs) => {
            // A refused token halts through the observed fetch; anything else is waited out.
            if (stopped()) throw error;
            this.#logger.warn({ err: error, retryInMs: waitMs }, 'identity check failed; retrying');
          },
        },
      ).catch(() => false);
      if (!confirmed) return false;
      this.#confirmed = true;
    }
    return true;
  }
}

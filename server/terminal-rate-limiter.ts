import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import type { ServerLogger } from './logger.ts';
import type { ServerMetrics } from './metrics.ts';
import { TokenBuckets } from './token-buckets.ts';

/** Per-terminal token bucket: `perSecond` sustained, `burst` at once after idling. */
export type RateLimitOptions = {
  perSecond: number;
  burst: number;
  /** A Redis URL (`redis://`, `rediss://`): every instance on it shares one bucket per terminal. */
  redisUrl?: string;
  logger?: ServerLogger;
  metrics?: ServerMetrics;
};

/** Answer of `take`: one operation granted, or refused with when to try again. */
export type RateLimitAnswer = { ok: true } | { ok: false; retryAfterMs: number };

const REFILL_INTERVAL_MS = 1_000;
/** Idle buckets are dropped after this long (memory here, key TTL in Redis); a returning terminal starts full. */
const IDLE_TIMEOUT_MS = 60_000;
/**
 * Longest a shared take may wait for Redis before this instance decides alone. A take is three or four
 * round trips; on a healthy Redis near the servers that is well under a few milliseconds.
 */
const REDIS_TAKE_TIMEOUT_MS = 500;

function bucketOptions(options: RateLimitOptions): Bottleneck.ConstructorOptions {
  return {
    reservoir: options.burst,
    reservoirIncreaseAmount: options.perSecond,
    reservoirIncreaseInterval: REFILL_INTERVAL_MS,
    reservoirIncreaseMaximum: options.burst,
    // Operations beyond the bucket are not queued (a queue would only delay the terminal's own timeout):
    // `highWater: 0` with the OVERFLOW strategy drops them, and the caller answers POS_SYNC_RATE_LIMITED.
    highWater: 0,
    strategy: Bottleneck.strategy.OVERFLOW,
    timeout: IDLE_TIMEOUT_MS,
  };
}

async function takeFrom(
  group: Bottleneck.Group,
  key: string,
  weight: number,
): Promise<RateLimitAnswer> {
  try {
    await group.key(key).schedule({ weight }, () => Promise.resolve());
    return { ok: true };
  } catch (error) {
    if (error instanceof Bottleneck.BottleneckError) {
      // The bucket refills every interval; the caller scales this to the operation's cost.
      return { ok: false, retryAfterMs: REFILL_INTERVAL_MS };
    }
    throw error;
  }
}

/**
 * Bottleneck 2.19 recreates a limiter's Redis state when a script answers `SETTINGS_KEY_NOT_FOUND` (keys
 * expired after idling, or a Redis restarted empty) or `UNKNOWN_CLIENT`, but it compares the message
 * exactly, and Redis 7 prefixes script errors with `ERR `. So the shared take does that recovery itself:
 * forget this instance's limiter for the terminal and take again from a fresh one, whose start runs
 * bottleneck's `init`: it creates the bucket when missing and leaves one another instance just created
 * alone. (`group.deleteKey` would also delete the Redis keys, so two instances would keep resetting the
 * bucket for each other.)
 */
async function takeShared(
  group: Bottleneck.Group,
  key: string,
  weight: number,
): Promise<RateLimitAnswer> {
  try {
    return await takeFrom(group, key, weight);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (!/\b(SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)\b/.test(message)) throw error;
    forgetLimiter(group, key);
    return takeFrom(group, key, weight);
  }
}

function forgetLimiter(group: Bottleneck.Group, key: string): void {
  const instances = (group as unknown as { instances: Record<string, Bottleneck> }).instances;
  const limiter = instances[key];
  delete instances[key];
  void limiter?.disconnect(false);
}

/** Bottleneck never clears a Group's idle-key sweep on disconnect; stop it so a closed server leaves no timer. */
function stopSweep(group: Bottleneck.Group): void {
  clearInterval((group as unknown as { interval?: NodeJS.Timeout }).interval);
}

/**
 * A token bucket per terminal, refilled by `perSecond` every second up to `burst`.
 *
 * Without `redisUrl` every server instance keeps its own buckets in memory (`TokenBuckets`). With it, the buckets live in
 * Redis through bottleneck's clustering (one `IORedisConnection`, i.e. two clients, for all terminals),
 * so a terminal spread over several instances gets the configured budget once, not once per instance.
 *
 * Redis is a protection here, not a dependency: when it is unreachable (down at start, a dropped
 * connection, a take slower than `REDIS_TAKE_TIMEOUT_MS`) the limiter fails open to this instance's
 * in-memory buckets, logs the switch once, and goes back to the shared buckets when Redis is ready again.
 * Selling never stops because the rate limiter's store is down; the cost is that during the outage a
 * terminal may run up to n times the budget over n instances, as without Redis.
 */
export class TerminalRateLimiter {
  readonly #local: TokenBuckets;
  readonly #shared: {
    group: Bottleneck.Group;
    connection: Bottleneck.IORedisConnection;
    client: Redis;
  } | null;
  readonly #logger: ServerLogger | undefined;
  readonly #metrics: ServerMetrics | undefined;
  readonly #burst: number;
  readonly #perSecond: number;
  #usingShared: boolean | null = null;
  #closed = false;

  constructor(options: RateLimitOptions) {
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#burst = options.burst;
    this.#perSecond = options.perSecond;
    this.#local = new TokenBuckets({
      burst: options.burst,
      perSecond: options.perSecond,
      intervalMs: REFILL_INTERVAL_MS,
      idleMs: IDLE_TIMEOUT_MS,
    });
    this.#shared = options.redisUrl ? this.#connect(options.redisUrl, options) : null;
    this.#metrics?.rateLimitShared.set(0);
  }

  /** Whether bottleneck's shared buckets are in use right now (false without Redis or while it is down). */
  get shared(): boolean {
    return this.#shared !== null && this.#shared.client.status === 'ready';
  }

  #connect(url: string, options: RateLimitOptions) {
    const client = new Redis(url, {
      // Fail fast while disconnected instead of queueing: a take then falls back to the local bucket.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      // Keep reconnecting in the background, at most every two seconds.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    });
    const connection = new Bottleneck.IORedisConnection({ client });
    connection.on('error', (err: unknown) => {
      // ioredis reports every failed reconnect; the switch to local buckets is logged once in `take`.
      this.#logger?.debug({ err }, 'rate limit redis error');
    });
    const group = new Bottleneck.Group({
      ...bucketOptions(options),
      // Instances share a bucket when their ids match; the budget is part of it so that instances with
      // different settings never adopt each other's (bottleneck keeps the first limiter's settings).
      id: `pos-sync-rate:${options.perSecond}:${options.burst}`,
      connection,
    });
    group.on('error', (err: unknown) => this.#logger?.debug({ err }, 'rate limit redis error'));
    client.on('ready', () => this.#noteMode(true));
    client.on('close', () => this.#noteMode(false, 'redis connection closed'));
    return { group, connection, client };
  }

  #noteMode(shared: boolean, reason?: unknown): void {
    if (this.#closed || this.#usingShared === shared) return;
    const first = this.#usingShared === null;
    this.#usingShared = shared;
    this.#metrics?.rateLimitShared.set(shared ? 1 : 0);
    if (shared) {
      if (!first) this.#logger?.info('rate limits shared through Redis again');
    } else {
      this.#logger?.warn(
        { err: reason },
        'rate limit Redis unavailable: limiting per instance until it is back',
      );
    }
  }

  /**
   * Takes `cost` operations from the terminal's bucket; `retryAfterMs` when it holds fewer. A cost
   * above the burst is charged as the burst (a full bucket), so an expensive operation is slow, never
   * impossible.
   */
  async take(terminalKey: string, cost = 1): Promise<RateLimitAnswer> {
    const weight = Math.max(1, Math.min(Math.ceil(cost), this.#burst));
    const answer = await this.#take(terminalKey, weight);
    if (answer.ok) return answer;
    // Enough refills for this cost from an empty bucket: one interval for a single operation.
    return { ok: false, retryAfterMs: REFILL_INTERVAL_MS * Math.ceil(weight / this.#perSecond) };
  }

  async #take(terminalKey: string, weight: number): Promise<RateLimitAnswer> {
    const shared = this.#shared;
    if (!shared) return this.#takeLocal(terminalKey, weight);
    if (shared.client.status !== 'ready') {
      this.#noteMode(false, `redis connection ${shared.client.status}`);
      return this.#takeLocal(terminalKey, weight);
    }
    let timer: NodeJS.Timeout | undefined;
    const sharedTake = takeShared(shared.group, terminalKey, weight);
    try {
      const answer = await Promise.race([
        sharedTake,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer from Redis in ${REDIS_TAKE_TIMEOUT_MS}ms`)),
            REDIS_TAKE_TIMEOUT_MS,
          );
        }),
      ]);
      this.#noteMode(true);
      return answer;
    } catch (error) {
      // The abandoned take may still settle later; it must not become an unhandled rejection.
      sharedTake.catch(() => undefined);
      this.#noteMode(false, error);
      return this.#takeLocal(terminalKey, weight);
    } finally {
      clearTimeout(timer);
    }
  }

  #takeLocal(terminalKey: string, weight: number): RateLimitAnswer {
    return this.#local.take(terminalKey, weight)
      ? { ok: true }
      : { ok: false, retryAfterMs: REFILL_INTERVAL_MS };
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#shared) {
      stopSweep(this.#shared.group);
      // The connection was made here, so it is closed here (a Group never closes a shared connection).
      await this.#shared.connection.disconnect(false);
    }
  }
}

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SaleBounds } from '../schema/index.ts';
import { DEFAULT_SALE_BOUNDS, PosError } from '../schema/index.ts';
import { DEFAULT_RETENTION_MS, DEFAULT_STALE_AFTER_MS } from './store/index.ts';

const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `250ms`, `30s`, `15m`, `2h`, `30d` or a plain number of milliseconds. */
const durationMsSchema = z.union([
  z.int().min(0),
  z
    .string()
    .trim()
    .regex(/^\d+(ms|s|m|h|d)?$/, 'a duration like 500ms, 30s, 15m, 2h or 30d')
    .transform((text) => {
      const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text)!;
      return Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms') as keyof typeof DURATION_UNITS];
    }),
]);

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const booleanFromEnv = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no'])])
  .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes');

/**
 * Every server option, with its environment variable, a one-line description and a default where a safe
 * one exists. Parsed once at start; every problem is reported together (`parseServerConfig`).
 */
export const serverConfigSchema = z.object({
  /** POS_PORT: TCP port of HTTP and WebSocket; 0 picks a free one (tests). */
  port: intFromEnv(0, 65_535).default(4000),
  /** POS_HOST: interface to listen on; 0.0.0.0 in containers. */
  host: z.string().min(1).default('127.0.0.1'),
  /** POS_DATA_DIR: directory of the embedded store's files. */
  dataDir: z.string().min(1).default('./data'),
  /**
   * POS_ADMIN_TOKEN: the root token; without one, one is generated on first start and printed once. As
   * a flag (`--admin-token`) it is visible to every user of the host in `ps`: prefer the file.
   */
  adminToken: z.string().min(16, 'the admin token needs at least 16 characters').optional(),
  /** POS_ADMIN_TOKEN_FILE: a file holding the root token (trailing newline ignored), e.g. a secret mount. */
  adminTokenFile: z.string().min(1).optional(),
  /** POS_LOG_LEVEL: pino level. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** POS_DEV: development mode: GraphiQL at /graphql, readable errors of unknown failures stay masked. */
  dev: booleanFromEnv.default(false),
  /** POS_RATE_LIMIT_PER_SECOND: operations a terminal may run per second, sustained. */
  rateLimitPerSecond: intFromEnv(1, 100_000).default(20),
  /** POS_RATE_LIMIT_BURST: operations a terminal may run at once after being idle. */
  rateLimitBurst: intFromEnv(1, 100_000).default(60),
  /**
   * POS_REDIS_URL: Redis shared by every instance (`redis://[:password@]host:port[/db]`, `rediss://` for
   * TLS); rate limits are then one budget per terminal across instances instead of one per instance.
   * While Redis is unreachable each instance limits alone (fail open).
   */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  /** POS_STALE_TERMINAL_AFTER: a terminal without contact for this long is listed as stale. */
  staleTerminalAfterMs: durationMsSchema.default(DEFAULT_STALE_AFTER_MS),
  /** POS_RETENTION: tombstones and old log entries older than this are pruned. */
  retentionMs: durationMsSchema.default(DEFAULT_RETENTION_MS),
  /** POS_BODY_LIMIT_BYTES: largest HTTP request body. 500 sales of a few kB fit in the default. */
  bodyLimitBytes: intFromEnv(1_024, 256 * 1024 * 1024).default(8 * 1024 * 1024),
  /** POS_MAX_QUERY_DEPTH: deepest selection a document may have (introspection not counted). */
  maxQueryDepth: intFromEnv(2, 100).default(10),
  /** POS_MAX_ALIASES: most aliases one document may use. */
  maxAliases: intFromEnv(0, 1_000).default(15),
  /**
   * POS_MAX_TOKENS: most lexical tokens one document may have. Every replication document and
   * GraphiQL's introspection query use a few hundred at most.
   */
  maxTokens: intFromEnv(500, 1_000_000).default(5_000),
  /** POS_MONGO_URL: MongoDB connection string; when set the server stores in MongoDB, not SQLite. */
  mongoUrl: z.string().min(1).optional(),
  /** POS_MONGO_DB: MongoDB database name. */
  mongoDb: z.string().min(1).default('pos_sync'),
  /**
   * POS_STREAM_POLL: how often each instance reads the stream heads to wake its subscribers for writes
   * made through other instances; 0 turns it off. Default: 500ms with MongoDB, off with SQLite.
   */
  streamPollMs: durationMsSchema.optional(),
  /** POS_UPSERT_MAX: most catalog rows one admin upsert may carry. */
  upsertMax: intFromEnv(1, 100_000).default(5_000),
  /** POS_SALE_MAX_AGE: oldest sale `createdAt` booked, before the server's time (a till offline long). */
  saleMaxAgeMs: durationMsSchema
    .refine((ms) => ms >= 86_400_000, 'at least 1d: a shorter window refuses real sales')
    .default(DEFAULT_SALE_BOUNDS.maxAgeMs),
  /** POS_SALE_MAX_AHEAD: how far a sale's `createdAt` may lie after the server's time (clock skew). */
  saleMaxAheadMs: durationMsSchema
    .refine((ms) => ms >= 60_000, 'at least 1m: terminal clocks are never exact')
    .default(DEFAULT_SALE_BOUNDS.maxAheadMs),
  /** POS_SALE_MAX_EVENT_ID_JUMP: largest `localEventId` step beyond the highest arrived per installation. */
  saleMaxEventIdJump: intFromEnv(1_000, Number.MAX_SAFE_INTEGER).default(
    DEFAULT_SALE_BOUNDS.maxEventIdJump,
  ),
  /**
   * POS_REQUEST_TIMEOUT: longest an HTTP request may take to arrive (headers and body); a slower
   * client is cut off (408) instead of holding a connection.
   */
  requestTimeoutMs: durationMsSchema.pipe(z.int().min(1_000)).default(30_000),
  /** POS_MAX_CONNECTIONS: most open TCP connections (HTTP and WebSocket) of this instance. */
  maxConnections: intFromEnv(1, 1_000_000).default(10_000),
  /** POS_WS_MAX_CONNECTIONS: most open WebSocket connections of this instance. */
  wsMaxConnections: intFromEnv(1, 1_000_000).default(5_000),
  /** POS_WS_MAX_PER_TERMINAL: most open WebSocket connections one terminal may hold per instance. */
  wsMaxPerTerminal: intFromEnv(1, 100).default(4),
  /** POS_CONSOLE: serve the operator console at /console (`--no-console` turns it off). */
  console: booleanFromEnv.default(true),
  /** POS_INTROSPECTION: answer schema introspection. Default: on in development mode only. */
  introspection: booleanFromEnv.optional(),
  /** POS_FIELD_SUGGESTIONS: "Did you mean …?" in validation errors. Default: on in development mode only. */
  fieldSuggestions: booleanFromEnv.optional(),
  /**
   * POS_CORS_ORIGINS: comma-separated origins a browser may call from (`https://backoffice.example`).
   * Default: none, so no cross-origin browser access; terminals and tools are not browsers.
   */
  corsOrigins: z
    .union([
      z.array(z.url()),
      z
        .string()
        .transform((text) =>
          text
            .split(',')
            .map((origin) => origin.trim())
            .filter(Boolean),
        )
        .pipe(z.array(z.url())),
    ])
    .default([]),
});

/** Server options as given: every field optional, strings from the environment accepted. */
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

/** Server options after parsing and defaults. */
export type ServerConfig = z.output<typeof serverConfigSchema>;

/** Environment variable of each option. */
export const CONFIG_ENV_VARS: Readonly<Record<keyof ServerConfig, string>> = {
  port: 'POS_PORT',
  host: 'POS_HOST',
  dataDir: 'POS_DATA_DIR',
  adminToken: 'POS_ADMIN_TOKEN',
  adminTokenFile: 'POS_ADMIN_TOKEN_FILE',
  logLevel: 'POS_LOG_LEVEL',
  dev: 'POS_DEV',
  rateLimitPerSecond: 'POS_RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'POS_RATE_LIMIT_BURST',
  redisUrl: 'POS_REDIS_URL',
  staleTerminalAfterMs: 'POS_STALE_TERMINAL_AFTER',
  retentionMs: 'POS_RETENTION',
  bodyLimitBytes: 'POS_BODY_LIMIT_BYTES',
  maxQueryDepth: 'POS_MAX_QUERY_DEPTH',
  maxAliases: 'POS_MAX_ALIASES',
  maxTokens: 'POS_MAX_TOKENS',
  upsertMax: 'POS_UPSERT_MAX',
  mongoUrl: 'POS_MONGO_URL',
  mongoDb: 'POS_MONGO_DB',
  streamPollMs: 'POS_STREAM_POLL',
  saleMaxAgeMs: 'POS_SALE_MAX_AGE',
  saleMaxAheadMs: 'POS_SALE_MAX_AHEAD',
  saleMaxEventIdJump: 'POS_SALE_MAX_EVENT_ID_JUMP',
  requestTimeoutMs: 'POS_REQUEST_TIMEOUT',
  maxConnections: 'POS_MAX_CONNECTIONS',
  wsMaxConnections: 'POS_WS_MAX_CONNECTIONS',
  wsMaxPerTerminal: 'POS_WS_MAX_PER_TERMINAL',
  console: 'POS_CONSOLE',
  introspection: 'POS_INTROSPECTION',
  fieldSuggestions: 'POS_FIELD_SUGGESTIONS',
  corsOrigins: 'POS_CORS_ORIGINS',
};

/** The sale bounds of a configuration, as the stores take them. */
export function saleBoundsOf(config: ServerConfig): SaleBounds {
  return {
    maxAgeMs: config.saleMaxAgeMs,
    maxAheadMs: config.saleMaxAheadMs,
    maxEventIdJump: config.saleMaxEventIdJump,
  };
}

/** The options found in an environment (empty strings count as unset). */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfigInput {
  const input: Record<string, string> = {};
  for (const [key, name] of Object.entries(CONFIG_ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[key] = value;
  }
  return input as ServerConfigInput;
}

/**
 * Parses options once, flags over environment over defaults. Throws one `POS_INPUT_INVALID` listing every
 * problem with the variable name, so an operator fixes them all in one go.
 */
export function parseServerConfig(
  flags: ServerConfigInput = {},
  env: NodeJS.ProcessEnv = {},
): ServerConfig {
  const definedFlags = Object.fromEntries(
    Object.entries(flags).filter(([, value]) => value !== undefined),
  );
  const fromEnv: Record<string, unknown> = { ...configFromEnv(env) };
  // A root token given as a flag, in either form, overrides both forms from the environment.
  if ('adminToken' in definedFlags || 'adminTokenFile' in definedFlags) {
    delete fromEnv['adminToken'];
    delete fromEnv['adminTokenFile'];
  }
  const merged: Record<string, unknown> = { ...fromEnv, ...definedFlags };
  const problems = readAdminTokenFile(merged);
  const result = serverConfigSchema.safeParse(merged);
  if (result.success && problems.length === 0) return result.data;
  for (const issue of result.error?.issues ?? []) {
    const key = String(issue.path[0] ?? '');
    const name = CONFIG_ENV_VARS[key as keyof ServerConfig] ?? key;
    problems.push(`${name} (${key}): ${issue.message}`);
  }
  throw new PosError('POS_INPUT_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, {
    problems,
  });
}

/** Puts the content of `adminTokenFile` into `adminToken`; answers the problems found. */
function readAdminTokenFile(input: Record<string, unknown>): string[] {
  const path = input['adminTokenFile'];
  if (typeof path !== 'string' || path === '') return [];
  if (input['adminToken'] !== undefined) {
    return [
      'POS_ADMIN_TOKEN_FILE (adminTokenFile): give the root token once, as a file or a token',
    ];
  }
  try {
    input['adminToken'] = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    return [];
  } catch (error) {
    return [
      `POS_ADMIN_TOKEN_FILE (adminTokenFile): cannot read ${path}: ${(error as Error).message}`,
    ];
  }
}

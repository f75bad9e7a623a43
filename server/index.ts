export type { ServerConfig, ServerConfigInput } from './config.ts';
export {
  CONFIG_ENV_VARS,
  configFromEnv,
  parseServerConfig,
  saleBoundsOf,
  serverConfigSchema,
} from './config.ts';
export type { Auth, GraphQLContext, ServerServices } from './context.ts';
export type { CreateServerOptions, PosServer } from './create-server.ts';
export { createServer } from './create-server.ts';
export { buildSchema } from './graphql/schema.ts';
export type { ServerLogger } from './logger.ts';
export { createLogger } from './logger.ts';
export type { ServerMetrics } from './metrics.ts';
export { createMetrics } from './metrics.ts';
export type { StreamNotice } from './stream-hub.ts';
export { StreamHub } from './stream-hub.ts';

import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

/** The server's logger type: pino, JSON lines. */
export type ServerLogger = Logger;

/**
 * A pino logger writing JSON lines (docs/design.md#logs-and-metrics). `terminalId`, `branchId`,
 * `eventId`, `syncAttempt` and `errorCode` come from child loggers of the code that knows them.
 * Tokens never reach a log line: the redaction paths cover the places a header could appear.
 */
export function createLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): ServerLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'pos-server' },
      redact: ['authorization', 'headers.authorization', 'token', '*.token'],
    },
    options.destination,
  );
}

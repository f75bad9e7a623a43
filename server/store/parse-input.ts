/**
 * The store checks its inputs again even though the GraphQL layer validates them: the port is also
 * called by tools and tests, and a bad row must never reach the file.
 */
export { parseInput } from '../../schema/index.ts';

import { readFileSync } from 'node:fs';
import type { AdminGql } from '../../server/console/product-import.ts';

/** Flags every admin command shares: where the server is and which token to use. */
export const ADMIN_FLAGS = {
  server: { type: 'string' },
  'admin-token-file': { type: 'string' },
} as const;

export const ADMIN_FLAGS_USAGE = `  --server URL (POS_SERVER_URL, default http://127.0.0.1:4000/graphql); the admin token from
  --admin-token-file PATH (POS_ADMIN_TOKEN_FILE) or POS_ADMIN_TOKEN.`;

/** A GraphQL client of the public API with an admin token, or the reason there is none. */
export function adminClient(values: {
  server?: string;
  'admin-token-file'?: string;
}): { gql: AdminGql } | { problem: string } {
  const url = values.server ?? process.env['POS_SERVER_URL'] ?? 'http://127.0.0.1:4000/graphql';
  const file = values['admin-token-file'] ?? process.env['POS_ADMIN_TOKEN_FILE'];
  let token = process.env['POS_ADMIN_TOKEN'];
  if (file) {
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (error) {
      return { problem: `cannot read the admin token file: ${(error as Error).message}` };
    }
  }
  if (!token) return { problem: 'an admin token is needed: --admin-token-file or POS_ADMIN_TOKEN' };
  return {
    gql: async (query, variables = {}) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as Awaited<ReturnType<AdminGql>>;
    },
  };
}

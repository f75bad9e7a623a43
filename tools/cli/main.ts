import { parseArgs } from 'node:util';

const SERVER_USAGE = `pos server [--port N] [--data-dir DIR] [--admin-token-file PATH] [--host H] [--dev]
                 [--mongo-url URL] [--redis-url URL] [--introspection] [--field-suggestions]
                 [--cors-origins A,B] [--no-console]
  Starts the cloud server on the embedded SQLite store, or on MongoDB with --mongo-url (POS_MONGO_URL,
  POS_MONGO_DB, POS_STREAM_POLL). --redis-url (POS_REDIS_URL) shares the per-terminal rate limits
  between instances. The root token comes from --admin-token-file (POS_ADMIN_TOKEN_FILE) or
  POS_ADMIN_TOKEN; --admin-token TOKEN works too but shows the token to every user of the host in ps.
  Introspection and field suggestions are off unless --dev or their flags (POS_INTROSPECTION,
  POS_FIELD_SUGGESTIONS); browsers may call only from --cors-origins (POS_CORS_ORIGINS). The
  operator console is served at /console unless --no-console (POS_CONSOLE=false).
  Flags override the environment (POS_PORT, POS_DATA_DIR, POS_HOST, POS_DEV; see docs/api.md).
`;

const usage = `pos <command> [flags]

Commands:
  start          the demo: the cloud server on the embedded store in ./data (POS_DATA_DIR),
                 GraphiQL on, a demo catalog seeded when the store is empty
  server         the cloud server (flags below)
  terminal       a terminal daemon with a status line (flags below)
  export         booked sales of a time range as CSV or NDJSON (\`pos export --help\`)
  import         \`pos import products FILE.csv --currency EUR\`: a checked catalog import
  simulate       a fleet of terminals under seeded faults, checked by invariants, with an HTML
                 report; --bench measures the scale goals (see \`pos simulate --help\`)
  help           this text

${SERVER_USAGE}
pos terminal: see \`pos terminal --help\`; pos simulate: see \`pos simulate --help\`
`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0] ?? 'help';
  const rest = argv.slice(argv.indexOf(command) + 1);
  switch (command) {
    case 'start':
    case 'server': {
      // Loaded on demand: the server's dependencies are not needed for `help`.
      const { runServer } = await import('./server-command.ts');
      return runServer(rest, command);
    }
    case 'terminal': {
      const { runTerminal, TERMINAL_USAGE } = await import('./terminal-command.ts');
      if (rest.includes('--help')) {
        process.stdout.write(TERMINAL_USAGE);
        return 0;
      }
      return runTerminal(rest);
    }
    case 'export': {
      const { runExport } = await import('./export-command.ts');
      return runExport(rest);
    }
    case 'import': {
      const { runImport } = await import('./import-command.ts');
      return runImport(rest);
    }
    case 'simulate': {
      const { runSimulate } = await import('./simulate-command.ts');
      return runSimulate(rest);
    }
    case 'help':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${usage}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));

import { parseArgs } from 'node:util';

const usage = `pos <command> [flags]

Commands:
  start          start the system on the embedded store (see README)
  help           this text
`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0] ?? 'help';
  switch (command) {
    case 'start':
      process.stdout.write(
        'The terminal storage (client/storage) is in place; the cloud server is not built yet.\n' +
          'Run `npm test` for the storage suite and `npm run bench:storage` for its benchmark.\n',
      );
      return 0;
    case 'help':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${usage}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const POS_CLI = resolve(import.meta.dirname, '../../tools/cli/pos.js');

/** A `pos terminal` daemon as a child process, with its stdout kept for assertions. */
export type TerminalProcess = {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
};

/**
 * Spawns `pos terminal` with the given flags. Without a `ui-port` flag the cashier page is off
 * (`--no-ui`): most suites do not need it, and its bundle costs a second of CPU per start.
 */
export function spawnTerminal(flags: Record<string, string | true>): TerminalProcess {
  const args = [POS_CLI, 'terminal'];
  if (!('ui-port' in flags) && !('no-ui' in flags)) args.push('--no-ui');
  for (const [name, value] of Object.entries(flags)) {
    args.push(`--${name}`);
    if (value !== true) args.push(value);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}

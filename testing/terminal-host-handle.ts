import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import type {
  HostCommand,
  HostEvent,
  HostWorkload,
  HostedTerminalSpec,
  TerminalInspection,
  TerminalProgress,
} from './terminal-host-protocol.ts';

const HOST_SCRIPT = resolve(import.meta.dirname, 'terminal-host.ts');

/**
 * Real terminals per host process: RxDB's open-source build allows 13 open collections per process,
 * and a terminal opens five.
 */
export const TERMINALS_PER_HOST = 2;

export type TerminalHostOptions = {
  terminals: HostedTerminalSpec[];
  workload: HostWorkload;
  /** Called when a terminal's catalog shows a newer admin change (`at`: `realNow()`). */
  onArrival?: (key: string, change: number, at: number) => void;
};

/**
 * A child process with up to two real terminals (`terminal-host.ts`): the full engine, RxDB on
 * SQLite files, each terminal in its own data dir. `kill()` SIGKILLs the process wherever it is (in
 * the middle of a sale or a push); `start()` opens the same data dirs again, as a till rebooting.
 */
export class TerminalHost {
  readonly options: TerminalHostOptions;
  #child: ChildProcess | undefined;
  #nextId = 1;
  #pending = new Map<number, (event: HostEvent) => void>();
  #clockSkewMs = 0;
  #selling = false;
  #ready = false;
  #lastProgress: TerminalProgress[] = [];
  /** Why the host failed, when it did (an exception in a terminal), for the report. */
  failure: string | null = null;

  constructor(options: TerminalHostOptions) {
    this.options = options;
  }

  get keys(): string[] {
    return this.options.terminals.map((t) => t.key);
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process and resolves once every terminal's catalog is ready. */
  async start(): Promise<void> {
    if (this.#child) return;
    const child = fork(HOST_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.#child = child;
    let stderr = '';
    child.stderr!.on(
      'data',
      (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)),
    );
    const ready = new Promise<void>((resolveReady, reject) => {
      child.on('message', (event: HostEvent) => {
        if (event.type === 'ready') {
          this.#ready = true;
          resolveReady();
        } else if (event.type === 'failed') {
          this.failure = event.message;
          reject(new Error(event.message));
        } else if (event.type === 'arrival')
          this.options.onArrival?.(event.key, event.change, event.at);
        else {
          const waiter = this.#pending.get(event.id);
          this.#pending.delete(event.id);
          waiter?.(event);
        }
      });
      child.once('exit', (code, signal) => {
        if (this.#child === child) this.#child = undefined;
        this.#ready = false;
        for (const waiter of this.#pending.values())
          waiter({ type: 'failed', message: 'host exited' });
        this.#pending.clear();
        reject(new Error(`terminal host exited (${code ?? signal}): ${stderr}`));
      });
    });
    this.#send({
      type: 'open',
      terminals: this.options.terminals,
      workload: this.options.workload,
      clockSkewMs: this.#clockSkewMs,
    });
    await ready;
    if (this.#selling) this.#send({ type: 'workload', selling: true });
  }

  /** SIGKILLs the process (mid-sale, mid-push: wherever it is) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    this.#ready = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Closes the terminals cleanly and ends the process. */
  async close(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    this.#send({ type: 'close' });
    await exited;
    this.#child = undefined;
  }

  /** Skews the clock of every terminal of the host (kept across restarts). */
  setClockSkew(ms: number): void {
    this.#clockSkewMs = ms;
    this.#send({ type: 'skew', ms });
  }

  get clockSkewMs(): number {
    return this.#clockSkewMs;
  }

  /** Starts or stops the cashiers (kept across restarts). */
  setSelling(selling: boolean): void {
    this.#selling = selling;
    this.#send({ type: 'workload', selling });
  }

  /**
   * The terminals' progress; while the process is down or starting, the last one known (marked
   * offline), so a sampler never waits for a restart.
   */
  async progress(): Promise<TerminalProgress[]> {
    if (!this.#ready) return this.#lastProgress.map((p) => ({ ...p, online: false }));
    const answer = await this.#request({ type: 'progress', id: this.#nextId++ });
    if (answer.type === 'progress') this.#lastProgress = answer.progress;
    return this.#lastProgress;
  }

  /** Resolves true once every terminal of the host is in sync (`awaitInSync`), false after `timeoutMs`. */
  async sync(timeoutMs: number): Promise<{ ok: boolean; message?: string }> {
    const answer = await this.#request({ type: 'sync', id: this.#nextId++, timeoutMs });
    if (answer.type === 'synced')
      return answer.message ? { ok: answer.ok, message: answer.message } : { ok: answer.ok };
    return { ok: false, message: answer.type === 'failed' ? answer.message : 'no answer' };
  }

  async inspect(): Promise<TerminalInspection[]> {
    const answer = await this.#request({ type: 'inspect', id: this.#nextId++ });
    if (answer.type !== 'inspected') throw new Error(`inspect failed: ${JSON.stringify(answer)}`);
    return answer.inspections;
  }

  #send(command: HostCommand): void {
    if (this.#child?.connected) this.#child.send(command);
  }

  #request(command: HostCommand & { id: number }): Promise<HostEvent> {
    if (!this.#child?.connected)
      return Promise.resolve({ type: 'failed', message: 'host not running' });
    return new Promise((resolveAnswer) => {
      this.#pending.set(command.id, resolveAnswer);
      this.#send(command);
    });
  }
}

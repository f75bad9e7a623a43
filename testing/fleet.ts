import { join } from 'node:path';
import type { Cloud, RegisteredTerminal } from './cloud.ts';
import { tempDir } from './cloud.ts';
import { FaultProxy } from './fault-proxy.ts';
import { ProtocolTerminal } from './protocol-terminal.ts';
import type { Random } from './random.ts';
import { realNow } from './random.ts';
import type {
  HostWorkload,
  TerminalInspection,
  TerminalProgress,
} from './terminal-host-protocol.ts';
import { TERMINALS_PER_HOST, TerminalHost } from './terminal-host-handle.ts';

/** A terminal of the fleet as the simulator sees it, whichever kind it is. */
export type FleetMember = {
  key: string;
  kind: 'real' | 'protocol';
  registered: RegisteredTerminal;
  proxy: FaultProxy;
  /** real: its host process and journal; protocol: the terminal itself. */
  host?: TerminalHost;
  journalFile?: string;
  protocol?: ProtocolTerminal;
};

export type FleetOptions = {
  cloud: Cloud;
  /** Terminals to register, by branch (round robin over `branches`). */
  terminals: number;
  /** How many of them are real terminals (the full engine in child processes). */
  realTerminals: number;
  branches: readonly string[];
  random: Random;
  workload: HostWorkload;
  /** Work dir for data dirs and journals; a new temp dir by default. */
  workDir?: string;
  /** Each terminal behind its own fault proxy (default true). */
  proxies?: boolean;
  onArrival?: (key: string, change: number, at: number) => void;
};

/**
 * A fleet of terminals against one cloud: real terminals in host processes (two per process) and
 * protocol terminals in this process, each behind its own loopback fault proxy.
 */
export class Fleet {
  readonly members: FleetMember[] = [];
  readonly hosts: TerminalHost[] = [];
  readonly workDir: string;
  #options: FleetOptions;

  private constructor(options: FleetOptions) {
    this.#options = options;
    this.workDir = options.workDir ?? tempDir('pos-fleet-');
  }

  /** Registers the terminals, starts their proxies and hosts, and waits until every catalog is ready. */
  static async start(options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(options);
    await fleet.#start();
    return fleet;
  }

  get real(): FleetMember[] {
    return this.members.filter((m) => m.kind === 'real');
  }

  get protocol(): FleetMember[] {
    return this.members.filter((m) => m.kind === 'protocol');
  }

  member(key: string): FleetMember {
    const found = this.members.find((m) => m.key === key);
    if (!found) throw new Error(`no terminal ${key}`);
    return found;
  }

  async #start(): Promise<void> {
    const { cloud, branches } = this.#options;
    for (let i = 0; i < this.#options.terminals; i++) {
      const kind = i < this.#options.realTerminals ? 'real' : 'protocol';
      const key = `${kind === 'real' ? 'r' : 'p'}${String(i).padStart(3, '0')}`;
      const registered = await cloud.registerTerminal(branches[i % branches.length]!, key);
      const proxy = await FaultProxy.start(cloud.port);
      this.members.push({ key, kind, registered, proxy });
    }
    const urlOf = (m: FleetMember) => (this.#options.proxies === false ? cloud.url : m.proxy.url);
    const real = this.real;
    for (let h = 0; h * TERMINALS_PER_HOST < real.length; h++) {
      const group = real.slice(h * TERMINALS_PER_HOST, (h + 1) * TERMINALS_PER_HOST);
      const host = new TerminalHost({
        terminals: group.map((m) => {
          m.journalFile = join(this.workDir, `${m.key}.journal`);
          return {
            key: m.key,
            dataDir: join(this.workDir, m.key),
            serverUrl: urlOf(m),
            token: m.registered.token,
            journalFile: m.journalFile,
          };
        }),
        workload: { ...this.#options.workload, seed: this.#options.workload.seed + h },
        ...(this.#options.onArrival ? { onArrival: this.#options.onArrival } : {}),
      });
      for (const m of group) m.host = host;
      this.hosts.push(host);
    }
    for (const m of this.protocol) {
      m.protocol = new ProtocolTerminal({
        key: m.key,
        registered: m.registered,
        url: urlOf(m),
        random: this.#options.random,
        sellEveryMs: this.#options.workload.sellEveryMs,
        ...(this.#options.onArrival ? { onArrival: this.#options.onArrival } : {}),
      });
    }
    await Promise.all([
      ...this.hosts.map((h) => h.start()),
      ...this.protocol.map((m) => m.protocol!.start()),
    ]);
  }

  /** Starts or stops every cashier. */
  setSelling(selling: boolean): void {
    for (const host of this.hosts) host.setSelling(selling);
    for (const m of this.protocol) m.protocol!.setSelling(selling);
  }

  /** Every terminal's progress now (a host being restarted answers nothing for its terminals). */
  async progress(): Promise<TerminalProgress[]> {
    const hosts = await Promise.all(this.hosts.map((h) => h.progress()));
    return [...hosts.flat(), ...this.protocol.map((m) => m.protocol!.progress())];
  }

  /**
   * Waits until every terminal is in sync: real ones by `awaitInSync`, protocol ones with an empty
   * queue and the catalog pulled up to the newest admin change `change`. False after `timeoutMs`.
   */
  async awaitConverged(
    change: number,
    timeoutMs: number,
  ): Promise<{ ok: boolean; message: string }> {
    const deadline = realNow() + timeoutMs;
    for (const host of this.hosts) if (!host.running) await host.start();
    const real = await Promise.all(this.hosts.map((h) => h.sync(timeoutMs)));
    const failed = real.find((r) => !r.ok);
    if (failed) return { ok: false, message: `real terminals: ${failed.message}` };
    for (;;) {
      const lagging = this.protocol.filter((m) => {
        const p = m.protocol!.progress();
        return p.queued > 0 || p.changeSeen < change;
      });
      if (lagging.length === 0) break;
      if (realNow() > deadline) {
        return {
          ok: false,
          message: `protocol terminals not converged: ${lagging.map((m) => m.key).join(', ')}`,
        };
      }
      for (const m of lagging) void m.protocol!.pull('products');
      await new Promise((r) => setTimeout(r, 50));
    }
    const realProgress = (await this.progress()).filter((p) => p.key.startsWith('r'));
    const behind = realProgress.filter((p) => p.changeSeen < change);
    if (behind.length > 0) {
      return {
        ok: false,
        message: `real terminals behind change ${change}: ${behind.map((p) => p.key).join(', ')}`,
      };
    }
    return { ok: true, message: 'every queue empty, every catalog at the newest change' };
  }

  /** The real terminals' own view of themselves, for the invariants. */
  async inspectReal(): Promise<TerminalInspection[]> {
    return (await Promise.all(this.hosts.map((h) => h.inspect()))).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.protocol.map((m) => m.protocol!.stop()));
    await Promise.all(this.hosts.map((h) => h.close()));
    await Promise.all(this.members.map((m) => m.proxy.close()));
  }
}

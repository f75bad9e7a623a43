import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The MongoDB a test runs against: a real one from `MONGODB_URI`, or the stand-in
 * (de.bwaldvogel:mongo-java-server, memory backend) built with Maven and started on a free loopback
 * port. Only tests import this file.
 */
export type TestMongo = {
  url: string;
  /** What the figures and gaps refer to. */
  kind: 'real' | 'stand-in';
  /** Stand-in only: drop every connection and stop listening, keeping the data (an outage). */
  stop?(): Promise<void>;
  /** Stand-in only: listen on the same port again. */
  start?(): Promise<void>;
  close(): Promise<void>;
};

const SERVER_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../tools/mongo-server');
const TARGET = join(SERVER_DIR, 'target');
const MAIN_CLASS = join(TARGET, 'classes', 'MongoServerMain.class');
const MAIN_SOURCE = join(SERVER_DIR, 'MongoServerMain.java');

function has(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function isBuilt(): boolean {
  return (
    existsSync(join(TARGET, 'lib')) &&
    existsSync(MAIN_CLASS) &&
    statSync(MAIN_CLASS).mtimeMs >= statSync(MAIN_SOURCE).mtimeMs
  );
}

/**
 * Builds the stand-in once (`mvn -q package` fetches the jars into target/lib, javac compiles the
 * launcher); test files starting in parallel wait on a lock directory instead of building twice.
 * Returns why it cannot, or null.
 */
export function buildStandIn(): string | null {
  if (isBuilt()) return null;
  if (!has('javac', ['-version'])) return 'no javac on PATH to build the MongoDB stand-in';
  mkdirSync(TARGET, { recursive: true });
  const lock = join(TARGET, '.build-lock');
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) return 'timed out waiting for another build of the stand-in';
      spawnSync('sleep', ['0.5']);
      if (isBuilt()) return null;
    }
  }
  try {
    if (!existsSync(join(TARGET, 'lib'))) {
      if (!has('mvn', ['-v'])) return 'no mvn on PATH to fetch mongo-java-server';
      const mvn = spawnSync('mvn', ['-q', '-B', 'package'], { cwd: SERVER_DIR, encoding: 'utf8' });
      if (mvn.status !== 0) return `mvn package failed: ${(mvn.stdout + mvn.stderr).slice(-500)}`;
    }
    const javac = spawnSync(
      'javac',
      ['-d', join(TARGET, 'classes'), '-cp', join(TARGET, 'lib', '*'), MAIN_SOURCE],
      { encoding: 'utf8' },
    );
    if (javac.status !== 0) return `javac failed: ${javac.stderr.slice(-500)}`;
    return null;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A MongoDB for this test file, or the reason there is none (the suite is then skipped). */
export async function startTestMongo(): Promise<TestMongo | { skip: string }> {
  const uri = process.env['MONGODB_URI'];
  if (uri) return { url: uri, kind: 'real', close: async () => {} };
  if (!has('java', ['-version'])) return { skip: 'neither MONGODB_URI nor java is available' };
  const problem = buildStandIn();
  if (problem) return { skip: problem };
  return startStandIn();
}

async function startStandIn(): Promise<TestMongo> {
  const child: ChildProcessWithoutNullStreams = spawn(
    'java',
    [
      '-Xss512k',
      '-cp',
      `${join(TARGET, 'classes')}:${join(TARGET, 'lib', '*')}`,
      'MongoServerMain',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stderr.resume();
  const lines = createInterface({ input: child.stdout });
  const waiters: { expect: string; resolve: (line: string) => void }[] = [];
  lines.on('line', (line) => {
    const index = waiters.findIndex((w) => line.startsWith(w.expect));
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(line);
  });
  const next = (expect: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`stand-in did not answer ${expect}`)),
        30_000,
      );
      waiters.push({
        expect,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  const port = Number((await next('PORT ')).slice(5));
  const command = async (line: string, answer: string) => {
    const done = next(answer);
    child.stdin.write(`${line}\n`);
    await done;
  };
  return {
    url: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    kind: 'stand-in',
    stop: () => command('stop', 'STOPPED'),
    start: () => command('start', 'STARTED'),
    async close() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { neo4jLocalDir } from '../paths.js';

/**
 * Starts the real Neo4j (Community 5.26, embedded in Launcher.java) with Bolt on
 * 127.0.0.1, for machines without Docker and for `npm start` without NEO4J_URI.
 */
export interface LocalNeo4j {
  uri: string;
  /** The JVM's process id (the benchmark reads its CPU time). */
  pid: number;
  stop(): Promise<void>;
}

export interface LocalNeo4jOptions {
  /** The store lives in `<dataDir>/neo4j` and survives restarts. */
  dataDir: string;
  port: number;
  /** JVM heap, e.g. '1g'. */
  heap?: string;
  /**
   * Compile with the JVM's first tier only. On two cores the optimising compiler's threads
   * take half a core for minutes after every burst of new queries (measured: 2.6 s of CPU in
   * 5 idle s after 600 OpenLineage events, 0.5 s with this), which a short-lived store of a
   * test run pays and never earns back; a long-running store wants the optimised code.
   */
  quickJit?: boolean;
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export class LocalNeo4jError extends Error {}

const libDir = join(neo4jLocalDir, 'lib');
const marker = join(libDir, '.complete');

/** The pinned Neo4j version, read from the pom so there is one place to change it. */
export function pinnedNeo4jVersion(): string {
  const pom = readFileSync(join(neo4jLocalDir, 'pom.xml'), 'utf8');
  const match = /<neo4j\.version>([^<]+)<\/neo4j\.version>/.exec(pom);
  if (!match) throw new LocalNeo4jError('neo4j.version missing from src/neo4j-local/pom.xml');
  return match[1];
}

/** Fetches the Neo4j jars from Maven Central once (about 120 MB); later starts reuse them. */
export function ensureNeo4jJars(log: (line: string) => void = () => {}): string {
  const version = pinnedNeo4jVersion();
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === version) return libDir;
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status !== 0) {
    throw new LocalNeo4jError(
      'Maven (mvn) is needed once to fetch Neo4j from Maven Central: install it (apt-get install maven) or set NEO4J_URI to a running Neo4j',
    );
  }
  log(`Fetching Neo4j ${version} from Maven Central (first start only)...`);
  const result = spawnSync(
    'mvn',
    ['-q', '-B', 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`],
    { cwd: neo4jLocalDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new LocalNeo4jError(`Fetching Neo4j jars failed (mvn exit ${result.status}):\n${(result.stdout + result.stderr).slice(-2000)}`);
  }
  writeFileSync(marker, version + '\n');
  log(`Fetched ${readdirSync(libDir).length - 1} jars into ${libDir}`);
  return libDir;
}

/**
 * Launcher.java compiled once into `lib/launcher-<hash of the Neo4j version and the
 * source>/`: run as a source file, java compiles it on every start (3 s of CPU, up to 7 s
 * on a busy machine). Several processes starting at once each compile into a folder of
 * their own and the first rename wins.
 */
function compiledLauncher(lib: string): string {
  const source = join(neo4jLocalDir, 'Launcher.java');
  const hash = createHash('sha256').update(pinnedNeo4jVersion()).update(readFileSync(source)).digest('hex').slice(0, 16);
  const classes = join(lib, `launcher-${hash}`);
  if (existsSync(join(classes, 'Launcher.class'))) return classes;
  const building = mkdtempSync(join(lib, '.launcher-'));
  try {
    const result = spawnSync('javac', ['-cp', join(lib, '*'), '-d', building, source], { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new LocalNeo4jError(`Compiling the Neo4j launcher failed (a JDK 17 with javac is needed): ${result.error?.message ?? (result.stdout + result.stderr).slice(-2000)}`);
    }
    try {
      renameSync(building, classes);
    } catch (error) {
      // another process renamed its own first: that one is used
      if (!existsSync(join(classes, 'Launcher.class'))) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return classes;
}

/** Resolves true when something accepts TCP connections on 127.0.0.1:port. */
export function portAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function startLocalNeo4j(options: LocalNeo4jOptions): Promise<LocalNeo4j> {
  const log = options.log ?? (() => {});
  const lib = ensureNeo4jJars(log);
  if (await portAnswers(options.port)) {
    throw new LocalNeo4jError(
      `Port ${options.port} on 127.0.0.1 is already taken (another Neo4j?): stop it, set PEDIGREE_LOCAL_NEO4J_PORT, or point NEO4J_URI at it`,
    );
  }
  const home = join(options.dataDir, 'neo4j');
  mkdirSync(home, { recursive: true });
  const child = spawn(
    'java',
    [
      `-Xmx${options.heap ?? '1g'}`,
      '-XX:+UseG1GC',
      ...(options.quickJit ? ['-XX:TieredStopAtLevel=1'] : []),
      '--add-opens=java.base/java.nio=ALL-UNNAMED',
      '--add-opens=java.base/java.io=ALL-UNNAMED',
      '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
      '-Dio.netty.tryReflectionSetAccessible=true',
      '-cp',
      [compiledLauncher(lib), join(lib, '*')].join(delimiter),
      'Launcher',
      home,
      String(options.port),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
  });
  const uri = await waitForReady(child, options.startTimeoutMs ?? 120_000, stderr, log);
  return { uri, pid: child.pid!, stop: () => stopChild(child) };
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderr: string[], log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new LocalNeo4jError(message + (stderr.length ? `\n${stderr.join('\n')}` : '')));
    };
    const timer = setTimeout(() => fail(`Local Neo4j did not become ready within ${timeoutMs / 1000}s`), timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('PEDIGREE_NEO4J_READY ')) {
        settled = true;
        clearTimeout(timer);
        resolve(line.slice('PEDIGREE_NEO4J_READY '.length).trim());
      } else if (line.startsWith('PEDIGREE_NEO4J_FAILED ')) {
        fail(`Local Neo4j could not start: ${line.slice('PEDIGREE_NEO4J_FAILED '.length)}`);
      } else if (line.trim()) {
        log(line);
      }
    });
    child.once('error', (error) => fail(`Could not run java (Java 17 is needed for the local Neo4j): ${error.message}`));
    child.once('exit', (code) => fail(`Local Neo4j exited during start-up with code ${code}`));
  });
}

/** SIGTERM runs Neo4j's clean shutdown; after 30 s the process is killed. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { packageRoot } from '../../src/paths.js';
import { runNode } from '../support/cli.js';
import { cypher, resetDatabase } from '../support/api.js';
import { freePort } from '../support/global-setup.js';

/**
 * `pedigree start` as a new user meets it: the admin token is made and printed only once
 * the server listens, so a start that fails (here: the HTTP port is taken) leaves no token
 * that nobody has seen.
 */
beforeAll(resetDatabase);

/** Without the run's PEDIGREE_ADMIN_TOKEN: the start behaves as on a fresh install. */
const freshEnv = (port: number) => ({ ...process.env, PORT: String(port), PEDIGREE_ADMIN_TOKEN: '', PEDIGREE_LOG_LEVEL: 'info', NODE_OPTIONS: '' });

const tokenCount = async () => (await cypher('MATCH (t:Token) RETURN count(t) AS n')).records[0].get('n').toNumber();

const listening = (server: Server, port = 0) => new Promise<void>((resolve) => server.listen(port, resolve));
const closed = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

interface Started {
  child: ChildProcess;
  /** stdout lines up to and including the ready line. */
  lines: string[];
  url: string;
}

/** `pedigree start` until its ready line. */
function start(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'pedigree.js'), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 30s:\n${lines.join('\n')}\n${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`pedigree start exited with ${code}:\n${lines.join('\n')}\n${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"msg":"Pedigree API ready"')) {
        clearTimeout(timer);
        resolve({ child, lines, url: JSON.parse(line).graphql });
      }
    });
  });
}

async function stop(child: ChildProcess) {
  const exit = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exit;
}

it('refuses a taken port with one line before making a token; the next start prints the token once it listens', async () => {
  const other = createServer();
  await listening(other);
  const busyPort = (other.address() as { port: number }).port;
  try {
    const refused = await runNode(['start'], freshEnv(busyPort));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`pedigree: Port ${busyPort} is already taken (another Pedigree?): stop it or set PORT\n`);
    expect(refused.stdout).toBe('');
    expect(await tokenCount()).toBe(0);
  } finally {
    await closed(other);
  }

  const first = await start(freshEnv(0));
  try {
    // the warning, the token alone on the next line, then the ready line: the token is shown only once the server listens
    const at = first.lines.findIndex((l) => l.includes('created an admin token'));
    expect(at).toBeGreaterThanOrEqual(0);
    const token = first.lines[at + 1];
    expect(token).toMatch(/^pdg_[\w-]{43}$/);
    expect(first.lines[at + 2]).toContain('"msg":"Pedigree API ready"');
    expect(await tokenCount()).toBe(1);
    const response = await fetch(first.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ tokens { name role } }' }),
    });
    expect(await response.json()).toEqual({ data: { tokens: [{ name: 'admin', role: 'admin' }] } });
  } finally {
    await stop(first.child);
  }

  // Tokens exist now, so no token is printed; the log says how to get an admin token back.
  const second = await start(freshEnv(0));
  await stop(second.child);
  expect(second.lines.every((l) => l.startsWith('{'))).toBe(true);
  expect(second.lines.join('\n')).toContain('restart with PEDIGREE_ADMIN_TOKEN=<a secret of your choice>, which registers that secret as an admin token');
  expect(await tokenCount()).toBe(1);
}, 60_000);

/** Forwards TCP connections to `target` once `open` is called; until then nothing listens on `port`. */
function lateForwarder(port: number, target: { host: string; port: number }) {
  const proxy = createServer((client: Socket) => {
    const upstream = connect(target);
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.once('error', end).once('close', end);
    upstream.once('error', end).once('close', end);
  });
  return { open: () => listening(proxy, port), close: () => closed(proxy) };
}

it('holds its port from the first moment and answers 503 SERVICE_UNAVAILABLE while it waits for Neo4j', async () => {
  const config = loadConfig();
  const neo4j = new URL(config.neo4j.uri!);
  const neo4jPort = await freePort();
  const forwarder = lateForwarder(neo4jPort, { host: neo4j.hostname, port: Number(neo4j.port || 7687) });
  const port = await freePort();
  const starting = startServer({ ...config, port, logLevel: 'warn', neo4j: { ...config.neo4j, uri: `bolt://127.0.0.1:${neo4jPort}` } });
  try {
    let early: Response | undefined;
    for (let i = 0; i < 50 && !early; i++) {
      early = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (!early) await new Promise((r) => setTimeout(r, 100));
    }
    expect(early?.status).toBe(503);
    expect(early?.headers.get('retry-after')).toBe('1');
    expect((await early!.json()).errors[0]).toEqual({
      message: 'Pedigree is starting (waiting for Neo4j and migrations); retry in a moment',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    await forwarder.open();
    const server = await starting;
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  } finally {
    await forwarder.close();
  }
}, 60_000);

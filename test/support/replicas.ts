import { spawn } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { BOOKMARK_HEADER } from '../../src/domain/bookmarks.js';
import { ADMIN_TOKEN } from './api.js';
import { freePort } from './global-setup.js';

/**
 * Several API processes over one Neo4j, started as production starts them (`pedigree
 * start` from the build, configured by the environment), and a round-robin load balancer
 * in front of them: the replicas share nothing but the database.
 */
export interface Replica {
  name: string;
  url: string;
  neo4jUri: string;
  pid: number;
  /** Sends `signal` (SIGTERM: a graceful stop) and waits until the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The process's last lines of output, for a failure's message. */
  output(): string;
}

/** `uri` with the routing scheme (`neo4j://`, `+s` and `+ssc` kept): a single server answers it too. */
export const routingUri = (uri: string) => uri.replace(/^(bolt|neo4j)(\+s|\+ssc)?:/, 'neo4j$2:');

async function ready(url: string, exited: () => boolean, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error(`the API process exited before it was ready:\n${output()}`);
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`the API at ${url} was not ready within ${timeoutMs / 1000} s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts one API process per URI (named a, b, c…), all at once, and resolves once every one answers /readyz. */
export async function startReplicas(uris: string[], env: Record<string, string> = {}): Promise<Replica[]> {
  const started = await Promise.allSettled(
    uris.map(async (neo4jUri, i): Promise<Replica> => {
      const port = await freePort();
      const child = spawn(process.execPath, [join(packageRoot, 'bin', 'pedigree.js'), 'start'], {
        env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), NEO4J_URI: neo4jUri, PEDIGREE_ADMIN_TOKEN: ADMIN_TOKEN(), PEDIGREE_LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      const keep = (chunk: Buffer) => {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        lines.splice(0, Math.max(0, lines.length - 40));
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      let exited = false;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve(void (exited = true))));
      const replica: Replica = {
        name: String.fromCharCode(97 + i),
        url: `http://127.0.0.1:${port}`,
        neo4jUri,
        pid: child.pid!,
        stop: async (signal = 'SIGTERM') => {
          if (!exited) child.kill(signal);
          await gone;
        },
        output: () => lines.join('\n'),
      };
      try {
        await ready(replica.url, () => exited, replica.output, 90_000);
      } catch (error) {
        await replica.stop('SIGKILL');
        throw error;
      }
      return replica;
    }),
  );
  const replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    throw (failure as PromiseRejectedResult).reason;
  }
  return replicas;
}

/** One request as the balancer passed it on: to which replica, with which bookmark, and the bookmark of the answer. */
export interface Forwarded {
  replica: string;
  sent: string | null;
  answered: string | null;
  status: number;
}

export interface Balancer {
  url: string;
  /** Every request passed on, in order. */
  forwarded: Forwarded[];
  close(): Promise<void>;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : (value ?? null);
};

/**
 * A round-robin HTTP load balancer over `replicas`, as nginx's default: a replica whose
 * connection is refused is passed over for a second and the request goes to the next one
 * (nothing was sent, so nothing can have been applied); a connection lost after the
 * request was sent is a 502, since the request may have been applied.
 */
export async function startBalancer(replicas: Replica[]): Promise<Balancer> {
  const forwarded: Forwarded[] = [];
  const downUntil = new Map<string, number>();
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const tried = new Set<Replica>();
      const start = next++;
      const attempt = () => {
        const replica = replicas
          .map((_, i) => replicas[(start + i) % replicas.length])
          .find((r) => !tried.has(r) && (downUntil.get(r.url) ?? 0) <= Date.now());
        if (!replica) {
          res.writeHead(502, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ errors: [{ message: 'no replica answers', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
        }
        tried.add(replica);
        const upstream = request(`${replica.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
          forwarded.push({ replica: replica.name, sent: header(req.headers, BOOKMARK_HEADER), answered: header(answer.headers, BOOKMARK_HEADER), status: answer.statusCode ?? 0 });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('error', () => res.destroy());
        });
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED') {
            downUntil.set(replica.url, Date.now() + 1_000);
            return attempt();
          }
          if (res.headersSent) return void res.destroy();
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: `the replica was lost mid-request (${error.code ?? error.message}); the request may have been applied`, extensions: { code: 'BAD_GATEWAY' } }] }));
        });
        upstream.end(body);
      };
      attempt();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    forwarded,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

/** POSTs a GraphQL request to `url` with the admin token (or `authorization`) and more headers; the status, the Pedigree-Bookmark of the answer, and its body. */
export async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN()}`, ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json().catch(() => null)) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }>; extensions?: Record<string, unknown> } | null;
  return { status: response.status, bookmark: response.headers.get(BOOKMARK_HEADER), body };
}

import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));

/**
 * A GraphQL server in its own process (ours or the peer), so each one's peak RSS is its
 * own: `ask` sends an IPC message and resolves with the reply, `close` stops it and waits.
 * Resolves once the process reports the URL it serves.
 */
export async function startServerProcess(script, env, what) {
  const child = fork(join(benchDir, script), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const replies = [];
  const waiting = [];
  let exited = null;
  child.on('message', (m) => (waiting.length ? waiting.shift().resolve(m) : replies.push(m)));
  child.once('exit', (code) => {
    exited = new Error(`${what} exited with code ${code}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const next = () => new Promise((resolve, reject) => {
    if (replies.length) resolve(replies.shift());
    else if (exited) reject(exited);
    else waiting.push({ resolve, reject });
  });
  const ask = (message) => {
    child.send(message);
    return next();
  };
  const close = async () => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.send('close');
    await gone;
  };
  const { ready: url } = await next();
  return { url, ask, close };
}

/**
 * POSTs GraphQL to `url`/graphql and resolves with `data`; a response with errors rejects,
 * the errors kept on the rejection (`error.errors`) and named after `what` in its message.
 */
export function graphqlClient(url, what, headers = {}) {
  return async (query, variables) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw Object.assign(new Error(`${what} errors: ${JSON.stringify(body.errors)}`), { errors: body.errors });
    return body.data;
  };
}

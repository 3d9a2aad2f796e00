import { createClient } from 'graphql-ws/client';
import WebSocket from 'ws';

const EVENTS = `subscription($project: String!, $types: [String!]) { events(project: $project, types: $types) { id type project seq at by data } }`;

/** Longest a line shows of an event's data; --json prints all of it. */
const DATA_CHARS = 300;

interface ChangeEvent {
  id: string;
  type: string;
  project: string;
  seq: number;
  at: string;
  by: string;
  data: Record<string, unknown>;
}

/** One line per event: when, its place in the project's order, type, who, and what changed. */
export function eventLine(e: ChangeEvent): string {
  const data = JSON.stringify(e.data);
  return `${e.at}  #${e.seq}  ${e.type.padEnd(28)} ${e.by}  ${data.length > DATA_CHARS ? `${data.slice(0, DATA_CHARS - 1)}…` : data}`;
}

/** Why the subscription ended, said so that the user knows what to do. */
function failure(error: unknown, url: string): string {
  if (Array.isArray(error)) return error.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('\n');
  const { code, reason } = error as { code?: unknown; reason?: unknown };
  if (code === 4401 || code === 4403) return `the API refused the token (${code}: ${reason}); set PEDIGREE_TOKEN to a live token of this API`;
  if (typeof code === 'number') return `the API closed the connection (${code}${reason ? `: ${reason}` : ''}); events committed while not watching are not shown, run it again to go on`;
  return `cannot reach the API at ${url} (${(error as { message?: string }).message ?? 'connection failed'}); is it running? set PEDIGREE_URL`;
}

/**
 * `pedigree watch <project>`: a GraphQL subscription over WebSocket (graphql-transport-ws)
 * printing the project's change events as they commit, until Ctrl-C. Answers the exit code.
 */
export function watchCommand(project: string, options: { type?: string[]; json?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const base = (env.PEDIGREE_URL || 'http://localhost:4000').replace(/\/+$/, '');
  if (!env.PEDIGREE_TOKEN) {
    console.error('pedigree watch: no token: set PEDIGREE_TOKEN to a token of this API that may read the project');
    return Promise.resolve(1);
  }
  const client = createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${env.PEDIGREE_TOKEN}` },
    // a reconnection would silently skip what committed in between: the user decides
    retryAttempts: 0,
    on: { connected: () => console.error(`Watching project ${project} at ${base}; events print as they commit (Ctrl-C stops)`) },
  });
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      process.off('SIGINT', stop).off('SIGTERM', stop);
      unsubscribe();
      void client.dispose();
      resolve(code);
    };
    const stop = () => finish(0);
    process.once('SIGINT', stop).once('SIGTERM', stop);
    const unsubscribe = client.subscribe<{ events: ChangeEvent }>(
      { query: EVENTS, variables: { project, types: options.type ?? null } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) {
            console.error(`pedigree watch: ${failure(errors, base)}`);
            return finish(1);
          }
          console.log(options.json ? JSON.stringify(data!.events) : eventLine(data!.events));
        },
        error: (error) => {
          console.error(`pedigree watch: ${failure(error, base)}`);
          finish(1);
        },
        complete: () => finish(0),
      },
    );
  });
}

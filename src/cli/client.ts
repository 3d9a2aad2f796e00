import { BOOKMARK_HEADER } from '../domain/bookmarks.js';

/**
 * The CLI talks to the API over HTTP like any pipeline worker or notebook: it needs
 * PEDIGREE_URL and PEDIGREE_TOKEN, never database credentials.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly errors: Array<{ message: string; extensions?: Record<string, any> }>,
  ) {
    super(message);
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export interface ApiClient {
  url: string;
  /**
   * The latest Pedigree-Bookmark an answer carried, sent back with every later request:
   * behind a load balancer, a command that reads what it has just written reads it from
   * whichever replica answers.
   */
  readonly bookmark: string | null;
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** A plain GET (no token sent), for /readyz and the like: the status and the JSON body, if any. */
  get(path: string): Promise<{ status: number; body: any }>;
}

const unreachable = (url: string, error: unknown) =>
  new ApiError(`cannot reach the API at ${url} (${(error as Error).cause ?? (error as Error).message}); is it running? set PEDIGREE_URL`, []);

// every GraphQL request needs a token, so asking the API without one only hides what to do
const NO_TOKEN = new ApiError(
  'no token: set PEDIGREE_TOKEN to a token of this API (the first `pedigree start` prints an admin token; an admin makes more with `pedigree token create`)',
  [{ message: 'no token', extensions: { code: 'UNAUTHENTICATED' } }],
);

export function createClient(env: NodeJS.ProcessEnv = process.env): ApiClient {
  const url = (env.PEDIGREE_URL || 'http://localhost:4000').replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.PEDIGREE_TOKEN) headers.authorization = `Bearer ${env.PEDIGREE_TOKEN}`;
  let bookmark: string | null = null;
  return {
    url,
    get bookmark() {
      return bookmark;
    },
    async request(query, variables) {
      if (!headers.authorization) throw NO_TOKEN;
      let response: Response;
      try {
        response = await fetch(`${url}/graphql`, { method: 'POST', headers: bookmark ? { ...headers, [BOOKMARK_HEADER]: bookmark } : headers, body: JSON.stringify({ query, variables }) });
      } catch (error) {
        throw unreachable(url, error);
      }
      bookmark = response.headers.get(BOOKMARK_HEADER) ?? bookmark;
      const body = (await response.json().catch(() => null)) as { data?: any; errors?: ApiError['errors'] } | null;
      if (!body) throw new ApiError(`the API at ${url} answered HTTP ${response.status} without a GraphQL body`, []);
      if (body.errors?.length) {
        const message = body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('\n');
        const hint = body.errors[0].extensions?.code === 'UNAUTHENTICATED' ? ' (the token in PEDIGREE_TOKEN)' : '';
        throw new ApiError(message + hint, body.errors);
      }
      return body.data;
    },
    async get(path) {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) }).catch((error) => {
        throw unreachable(url, error);
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    },
  };
}

/**
 * Runs a command's work against the API: an API error is printed as `pedigree <command>:
 * <message>` with exit code 1 instead of a stack trace.
 */
export async function withClient(command: string, work: (client: ApiClient) => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await work(createClient())) ?? 0;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    console.error(`pedigree ${command}: ${error.message}`);
    process.exitCode = 1;
  }
}

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
  request<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export function createClient(env: NodeJS.ProcessEnv = process.env): ApiClient {
  const url = (env.PEDIGREE_URL || 'http://localhost:4000').replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.PEDIGREE_TOKEN) headers.authorization = `Bearer ${env.PEDIGREE_TOKEN}`;
  return {
    url,
    async request(query, variables) {
      let response: Response;
      try {
        response = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      } catch (error) {
        throw new ApiError(`cannot reach the API at ${url} (${(error as Error).cause ?? (error as Error).message}); is it running? set PEDIGREE_URL`, []);
      }
      const body = (await response.json().catch(() => null)) as { data?: any; errors?: ApiError['errors'] } | null;
      if (!body) throw new ApiError(`the API at ${url} answered HTTP ${response.status} without a GraphQL body`, []);
      if (body.errors?.length) throw new ApiError(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('\n'), body.errors);
      return body.data;
    },
  };
}

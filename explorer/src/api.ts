/** The GraphQL endpoint of the API that serves this page, and the browser session's token. */

const TOKEN_KEY = 'pedigree.token';

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (token: string) => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** An error the API (or the way to it) gave, worded for a person, with the code when there is one. */
export class ApiError extends Error {
  constructor(message: string, readonly code?: string, readonly status?: number, readonly field?: string) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }>;
}

/**
 * Runs one GraphQL operation. Any error is thrown as an ApiError carrying the API's own
 * message, since that message already names the value and what is allowed.
 */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}, token = getToken()): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL('../graphql', location.href), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`Could not reach the API: ${(error as Error).message}`);
  }
  let body: GraphQLResponse<T>;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The API answered HTTP ${response.status} without a readable body`, undefined, response.status);
  }
  const first = body.errors?.[0];
  if (first) {
    const more = body.errors!.length > 1 ? ` (and ${body.errors!.length - 1} more)` : '';
    throw new ApiError(first.message + more, first.extensions?.code, response.status, first.extensions?.field);
  }
  if (!body.data) throw new ApiError(`The API answered HTTP ${response.status} with no data`, undefined, response.status);
  return body.data;
}

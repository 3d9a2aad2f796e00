import { GraphQLError } from 'graphql';
import type { Principal } from '../domain/roles.js';
import type { TokenStore } from '../services/tokens.js';

/** The token in `Authorization: Bearer <token>` or Valohai's `Authorization: Token <token>`. */
export function tokenFromHeader(header: string | undefined): string | null {
  const match = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/** Every request carries a token; which one decides the principal and its role. */
export async function authenticate(tokens: TokenStore, header: string | undefined): Promise<Principal> {
  const token = tokenFromHeader(header);
  if (!token) throw unauthenticated('Send a token: Authorization: Bearer <token> (an admin makes one with `pedigree token create`)');
  const principal = await tokens.authenticate(token);
  if (!principal) throw unauthenticated('The token is unknown or revoked');
  return principal;
}

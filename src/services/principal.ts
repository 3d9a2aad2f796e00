/**
 * Who is making a request. Every write records `name` (createdBy, updatedBy, the audit
 * log). The access layer decides how a principal is established; until tokens exist the
 * server runs every request as the local operator.
 */
export interface Principal {
  name: string;
}

export const LOCAL_OPERATOR: Principal = { name: 'local' };

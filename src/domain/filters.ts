import type { MetadataPredicate } from './predicates.js';

/** Filters every list shares (DatumFilter and ExecutionFilter), as clients send them. */
export interface CommonFilter {
  project?: string | null;
  tagsAll?: string[] | null;
  tagsAny?: string[] | null;
  createdAfter?: string | Date | null;
  createdBefore?: string | Date | null;
  metadata?: MetadataPredicate[] | null;
}

export interface DatumFilter extends CommonFilter {
  producer?: string | null;
  pathPrefix?: string | null;
  sha256?: string | null;
}

export interface ExecutionFilter extends CommonFilter {
  status?: string[] | null;
  kind?: string[] | null;
  name?: string | null;
  parent?: string | null;
}

export interface AuditFilter {
  principal?: string | null;
  operation?: string | null;
  targetId?: string | null;
  after?: string | Date | null;
  before?: string | Date | null;
}

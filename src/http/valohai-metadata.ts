import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import { createContext, type ContextDeps } from '../context.js';
import { requiredRole, requireRole, type Principal } from '../domain/roles.js';
import { badInput, PedigreeError, type ErrorDetails } from '../domain/errors.js';
import { checkJsonDepth } from '../scalars/validators.js';
import { problemsError, type Applied } from '../services/metadata.js';
import type { MetadataProblem } from '../domain/metadata.js';

/**
 * Valohai's three datum metadata endpoints over HTTP, so a script written for Valohai's API
 * works against Pedigree by changing its base URL. Mounted at /api/v0, as Valohai serves
 * them. Each endpoint is the GraphQL mutation of the same meaning in another dress: the same
 * token, role, project scoping, service call, transaction and audit entry; only the body's
 * shape and the names in error fields are Valohai's.
 *
 *   POST /data/{datum_id}/metadata/   body: the metadata object itself      (applyMetadata)
 *   POST /data/metadata/apply/        body: {"datum_metadata": {id: {...}}} (applyMetadataBatch)
 *   POST /data/metadata/apply-all/    body: {"datum_ids": [...], "metadata": {...}} (applyMetadataAll)
 */

export interface ValohaiMetadataDeps {
  context: ContextDeps;
  bodyLimit: number;
  /** The principal of an Authorization header (`Token <t>` or `Bearer <t>`), exactly as /graphql authenticates it. */
  authenticate: (header: string | undefined) => Promise<Principal>;
}

type Mutation = 'applyMetadata' | 'applyMetadataBatch' | 'applyMetadataAll';

/** What one request asks of the metadata service, read from its Valohai-shaped body. */
interface Call {
  /** The GraphQL mutation's arguments, so the audit entry reads the same whichever door was used. */
  args: Record<string, unknown>;
  items: Array<{ datumId: string; properties: unknown }>;
  /** The body field holding the list, for batch-size errors. */
  list: string;
  /** The body field (or path parameter) that named item i's datum. */
  datumField: (i: number) => string;
  /** The body field holding item i's metadata, or its key `key` when given. */
  metadataField: (i: number, key: string | null) => string;
}

interface Endpoint {
  path: string;
  /** How error messages name it (the path as Valohai documents it). */
  name: string;
  mutation: Mutation;
  read: (req: Request) => Call;
  answer: (applied: Applied[]) => unknown;
}

const kindOf = (value: unknown) => (value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The body as a JSON object whose fields are exactly `fields`: a misspelt field is refused, never ignored. */
function bodyWith(req: Request, fields: string[]): Record<string, unknown> {
  const body: unknown = req.body;
  const shape = `{${fields.map((f) => `"${f}": ...`).join(', ')}}`;
  if (!isObject(body)) throw badInput(`The body must be a JSON object ${shape} sent as Content-Type: application/json, got ${kindOf(body)}`, { field: 'body' });
  const unknown = Object.keys(body).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw badInput(`Unknown field '${unknown}'; the body is ${shape}`, { field: unknown });
  const missing = fields.find((f) => !(f in body));
  if (missing !== undefined) throw badInput(`${missing} is missing; the body is ${shape}`, { field: missing });
  return body;
}

function objectField(value: unknown, field: string, what = `${field} must be a JSON object`): Record<string, unknown> {
  if (!isObject(value)) throw badInput(`${what}, got ${kindOf(value)}`, { field });
  return value;
}

/**
 * Metadata as GraphQL's JSONObject scalar lets it through: an object nested no deeper than
 * the scalar allows. It is checked here, before anything else sees it, as the scalar checks
 * it before any resolver runs (the audit record alone would overflow the stack on 100,000
 * levels).
 */
function metadataObject(value: unknown, field: string, what?: string): Record<string, unknown> {
  const metadata = objectField(value, field, what);
  try {
    checkJsonDepth(metadata);
  } catch (error) {
    throw badInput(`${field}: ${(error as Error).message}`, { field });
  }
  return metadata;
}

const dotted = (field: string, key: string | null) => (key === null ? field : `${field}.${key}`);

/** The service's answer for one datum: its id and the metadata written, addressed as clients address it (`group.key`). */
const appliedTo = (a: Applied) => ({ datum_id: a.target.id as string, keys: a.names });

const ENDPOINTS: Endpoint[] = [
  {
    path: '/data/:datum_id/metadata/',
    name: '/data/{datum_id}/metadata/',
    mutation: 'applyMetadata',
    read(req) {
      const properties = metadataObject(req.body, 'body', 'The body must be the metadata as a JSON object sent as Content-Type: application/json');
      const datumId = req.params.datum_id as string;
      return { args: { datumId, properties }, items: [{ datumId, properties }], list: 'datum_id', datumField: () => 'datum_id', metadataField: (_, key) => key ?? 'body' };
    },
    answer: ([applied]) => appliedTo(applied),
  },
  {
    path: '/data/metadata/apply/',
    name: '/data/metadata/apply/',
    mutation: 'applyMetadataBatch',
    read(req) {
      const byDatum = objectField(bodyWith(req, ['datum_metadata']).datum_metadata, 'datum_metadata');
      const items = Object.entries(byDatum).map(([datumId, properties]) => ({ datumId, properties: metadataObject(properties, `datum_metadata.${datumId}`) }));
      const field = (i: number) => `datum_metadata.${items[i].datumId}`;
      return { args: { items }, items, list: 'datum_metadata', datumField: field, metadataField: (i, key) => dotted(field(i), key) };
    },
    answer: (applied) => ({ applied: applied.map(appliedTo) }),
  },
  {
    path: '/data/metadata/apply-all/',
    name: '/data/metadata/apply-all/',
    mutation: 'applyMetadataAll',
    read(req) {
      const body = bodyWith(req, ['datum_ids', 'metadata']);
      const datumIds = body.datum_ids;
      if (!Array.isArray(datumIds)) throw badInput(`datum_ids must be a list of datum ids, got ${kindOf(datumIds)}`, { field: 'datum_ids' });
      datumIds.forEach((id, i) => {
        if (typeof id !== 'string') throw badInput(`datum_ids.${i} must be a datum id (a string), got ${kindOf(id)}`, { field: `datum_ids.${i}` });
      });
      const properties = metadataObject(body.metadata, 'metadata');
      return {
        args: { datumIds, properties },
        items: (datumIds as string[]).map((datumId) => ({ datumId, properties })),
        list: 'datum_ids',
        datumField: (i) => `datum_ids.${i}`,
        metadataField: (_, key) => dotted('metadata', key),
      };
    },
    answer: (applied) => ({ applied: applied.map(appliedTo) }),
  },
];

/** Where the service says item i's metadata is at fault: `<list>.<i>.properties[.<key>]`. */
const SERVICE_FIELD = /^[^.]+\.(\d+)\.properties(?:\.(.+))?$/;

/**
 * The service names fields after the GraphQL arguments; this says them as the Valohai body
 * does (`datum_metadata.<id>.accuracy`, `metadata.valohai.tags`). The same problem found on
 * every datum of apply-all is one problem in its one `metadata` object, so it is said once.
 */
function inValohaiTerms(error: unknown, call: Call): unknown {
  if (!(error instanceof PedigreeError)) return error;
  const rename = (field: unknown) => {
    const match = typeof field === 'string' ? SERVICE_FIELD.exec(field) : null;
    return match ? call.metadataField(Number(match[1]), match[2] ?? null) : field;
  };
  const problems = error.extensions.problems as MetadataProblem[] | undefined;
  if (Array.isArray(problems)) {
    const seen = new Set<string>();
    const renamed = problems
      .map((p) => ({ ...p, field: rename(p.field) as string }))
      .filter((p) => !seen.has(`${p.field}\0${p.message}`) && seen.add(`${p.field}\0${p.message}`));
    return problemsError(renamed);
  }
  const { code: _, ...details } = error.extensions as ErrorDetails;
  return 'field' in details ? new PedigreeError(error.code, error.message, { ...details, field: rename(details.field) as string }) : error;
}

/** HTTP statuses of the API's error codes; LIMIT_EXCEEDED is a request too large to serve (batch size, time limit). */
export const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT_EXCEEDED: 413,
  SERVICE_UNAVAILABLE: 503,
};

/**
 * Typed errors get their status and the body every other non-GraphQL answer of this server
 * has, `{"errors": [{"message", "extensions": {"code", "field", ...}}]}` (Valohai documents
 * no error body for these endpoints). Anything else (body-parser's refusals, bugs) goes on to
 * the server's own handler, which answers those and masks the rest.
 */
export const typedErrors: ErrorRequestHandler = (error, _req, res, next) => {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (typeof code !== 'string' || !(code in STATUS)) return next(error);
  const { http, ...extensions } = error.extensions as { http?: { headers?: Map<string, string> } };
  // headers the error asks for (Retry-After on an outage), as /graphql would send them
  for (const [name, value] of http?.headers ?? []) res.set(name, value);
  if (code === 'UNAUTHENTICATED') res.set('www-authenticate', 'Bearer, Token');
  res.status(STATUS[code]).json({ errors: [{ message: error.message, extensions }] });
};

/** The Valohai endpoints as a router to mount at /api/v0. */
export function valohaiMetadataApi(deps: ValohaiMetadataDeps): Router {
  const router = Router();
  const json = express.json({ limit: deps.bodyLimit });
  for (const endpoint of ENDPOINTS) {
    // Who asks is settled before the body is read: a stranger's or a reader's upload is not parsed.
    const authorize: RequestHandler = async (req, res, next) => {
      const principal = await deps.authenticate(req.headers.authorization);
      requireRole(principal, requiredRole('mutation', endpoint.mutation), `POST ${req.baseUrl}${endpoint.name} (as Mutation.${endpoint.mutation})`);
      res.locals.principal = principal;
      next();
    };
    const apply: RequestHandler = async (req, res) => {
      const call = endpoint.read(req);
      const ctx = createContext(deps.context, res.locals.principal as Principal);
      // named before the write, so the executor records the entry in the write's own transaction
      ctx.audit.operation = { name: endpoint.mutation, args: call.args };
      const applied = await ctx.services.metadata.applyToDatums(call.items, call.list, call.datumField).catch((error) => Promise.reject(inValohaiTerms(error, call)));
      res.json(endpoint.answer(applied));
    };
    router.post(endpoint.path, authorize, json, apply);
    router.all(endpoint.path, (req, res) => {
      res.status(405).set('allow', 'POST').json({ errors: [{ message: `${req.method} is not served at ${req.baseUrl}${endpoint.name}; send POST`, extensions: { code: 'BAD_REQUEST' } }] });
    });
  }
  router.use(typedErrors);
  return router;
}

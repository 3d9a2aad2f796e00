import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import { createContext, type ContextDeps } from '../context.js';
import { badInput } from '../domain/errors.js';
import { groupBy } from '../domain/group.js';
import { requiredRole, requireRole, type Principal } from '../domain/roles.js';
import { checkBatch } from '../domain/validation.js';
import { log } from '../logging.js';
import { planEvent, type EventPlan } from '../openlineage/plan.js';
import { validateEvent } from '../openlineage/validate.js';
import type { Recorded } from '../services/openlineage.js';
import { STATUS, typedErrors } from './valohai-metadata.js';

/**
 * OpenLineage's HTTP API, so Airflow, Spark, dbt and any OpenLineage client fill the graph
 * by pointing OPENLINEAGE_URL at Pedigree. Mounted at /api/v1:
 *
 *   POST /lineage        one RunEvent, DatasetEvent or JobEvent (spec 2-0-x)     -> 201
 *   POST /lineage/batch  a JSON list of them, each applied or refused on its own -> 201, or 207
 *
 * The same token, roles (a writer's), project scoping, body limit and audit as /graphql: the
 * job namespace is the project, and each event is one transaction with its own audit entry.
 * Bodies may be gzip-compressed (Content-Encoding: gzip), as the python client can send them.
 * Answers: 400 for a body that is not JSON, 422 for an event the spec refuses (or a name the
 * graph cannot hold), 401 without a valid token, 403 for a reader's token or a namespace
 * outside the token's projects, 413 past the body limit or 10,000 events, each with a JSON
 * body `{"errors": [{"message", "extensions": {"code", "field", ...}}]}`.
 */

export interface OpenLineageDeps {
  context: ContextDeps;
  bodyLimit: number;
  /** The principal of an Authorization header, exactly as /graphql authenticates it. */
  authenticate: (header: string | undefined) => Promise<Principal>;
}

/** How the audit log and the role table name an event's write: a mutation, so it needs a writer. */
export const OPERATION = 'recordOpenLineageEvent';

/** Events of different runs a batch applies at once; events of one run go one after another, in the order sent. */
const BATCH_CONCURRENCY = 8;

/** One event's outcome in a batch answer: 201 and what it recorded, or its refusal's status and errors. */
type BatchResult = ({ status: 201 } & Recorded) | { status: number; errors: Array<{ message: string; extensions: Record<string, unknown> }> };

/** The audit record's arguments: the project, the run as target, and what the event was. */
function auditArgs(plan: EventPlan): Record<string, unknown> {
  const what =
    plan.kind === 'RunEvent' ? { id: plan.runId, job: plan.name, eventType: plan.eventType }
    : plan.kind === 'JobEvent' ? { job: plan.name }
    : { uri: plan.dataset.uri };
  return { project: plan.project, event: plan.kind, ...what, eventTime: plan.at, producer: plan.producer };
}

/** A DatasetEvent's project (it names no job namespace): `?project=`, else the token's only project. */
function datasetProject(req: Request, principal: Principal): string | null {
  const asked = req.query.project;
  if (typeof asked === 'string' && asked) return asked;
  return principal.projects !== '*' && principal.projects.length === 1 ? principal.projects[0] : null;
}

/** A typed error as an answer lists it, without Apollo's transport detail. */
const errorOf = (error: GraphQLError) => {
  const { http: _, ...extensions } = error.extensions;
  return { message: error.message, extensions };
};

/** A refused event as the batch answer lists it: typed errors with their status; anything else logged and masked. */
function refusal(error: unknown): BatchResult {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (typeof code === 'string' && code in STATUS) return { status: code === 'BAD_USER_INPUT' ? 422 : STATUS[code], errors: [errorOf(error as GraphQLError)] };
  log('unexpected error', { error: String((error as Error)?.stack ?? error) }, 'error');
  return { status: 500, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
}

/** Runs `work` on every item, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** An event the spec refuses, or a name the graph cannot hold, is 422 (the request was understood, its content was not acceptable). */
const unprocessable: ErrorRequestHandler = (error, _req, res, next) => {
  if (!(error instanceof GraphQLError) || error.extensions.code !== 'BAD_USER_INPUT') return next(error);
  res.status(422).json({ errors: [errorOf(error)] });
};

/** The OpenLineage endpoints as a router to mount at /api/v1. */
export function openLineageApi(deps: OpenLineageDeps): Router {
  const router = Router();
  const json = express.json({ limit: deps.bodyLimit });
  // Who asks is settled before the body is read: a stranger's or a reader's upload is not parsed.
  const authorize: RequestHandler = async (req, res, next) => {
    const principal = await deps.authenticate(req.headers.authorization);
    requireRole(principal, requiredRole('mutation', OPERATION), `POST ${req.baseUrl}${req.path}`);
    res.locals.principal = principal;
    next();
  };
  const asJson: RequestHandler = (req, res, next) => {
    if (req.is('application/json')) return next();
    res.status(415).json({ errors: [{ message: `Send the event as JSON with Content-Type: application/json, got ${JSON.stringify(req.headers['content-type'] ?? 'none')}`, extensions: { code: 'BAD_REQUEST' } }] });
  };
  /** One event in its own context, so its audit entry names it alone. */
  const apply = (principal: Principal, plan: EventPlan): Promise<Recorded> => {
    const ctx = createContext(deps.context, principal);
    ctx.audit.operation = { name: OPERATION, args: auditArgs(plan) };
    return ctx.services.openLineage.record(plan);
  };

  router.post('/lineage', authorize, asJson, json, async (req, res) => {
    const principal = res.locals.principal as Principal;
    if (Array.isArray(req.body)) throw badInput(`${req.baseUrl}/lineage takes one event; send a list of events to ${req.baseUrl}/lineage/batch`, { field: '' });
    const plan = planEvent(validateEvent(req.body), datasetProject(req, principal));
    res.status(201).json(await apply(principal, plan));
  });

  router.post('/lineage/batch', authorize, asJson, json, async (req, res) => {
    const principal = res.locals.principal as Principal;
    const events: unknown = req.body;
    if (!Array.isArray(events)) throw badInput(`${req.baseUrl}/lineage/batch takes a JSON list of events; send one event to ${req.baseUrl}/lineage`, { field: '' });
    checkBatch('events', events, 0);
    const project = datasetProject(req, principal);
    const results: BatchResult[] = new Array(events.length);
    const planned: Array<{ index: number; plan: EventPlan }> = [];
    events.forEach((event, index) => {
      try {
        planned.push({ index, plan: planEvent(validateEvent(event), project) });
      } catch (error) {
        results[index] = refusal(error);
      }
    });
    const chains = [...groupBy(planned, ({ index, plan }) => (plan.kind === 'RunEvent' ? `run:${plan.runId}` : `event:${index}`)).values()];
    await eachLimited(chains, BATCH_CONCURRENCY, async (chain) => {
      for (const { index, plan } of chain) results[index] = await apply(principal, plan).then((recorded) => ({ status: 201 as const, ...recorded }), refusal);
    });
    const accepted = results.filter((r) => r.status === 201).length;
    const statuses = new Set(results.filter((r) => r.status !== 201).map((r) => r.status));
    // all applied: 201; none, all for one reason: that reason's status; otherwise each result says
    const status = accepted === results.length ? 201 : accepted === 0 && statuses.size === 1 ? [...statuses][0] : 207;
    res.status(status).json({ accepted, refused: results.length - accepted, results: results.map((r, index) => ({ index, ...r })) });
  });

  router.all(['/lineage', '/lineage/batch'], (req, res) => {
    res.status(405).set('allow', 'POST').json({ errors: [{ message: `${req.method} is not served at ${req.baseUrl}${req.path}; send POST`, extensions: { code: 'BAD_REQUEST' } }] });
  });
  router.use(unprocessable, typedErrors);
  return router;
}

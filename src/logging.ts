import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/** What a log line written while serving a request adds by itself. */
interface RequestScope {
  requestId: string;
  /** Added to the request's closing line (the GraphQL operation, error codes). */
  summary: Record<string, unknown>;
}

const scope = new AsyncLocalStorage<RequestScope>();
export const LOG_LEVELS = ['info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
let threshold = 0;

/** Lines below `level` are dropped (PEDIGREE_LOG_LEVEL). */
export function setLogLevel(level: LogLevel): void {
  threshold = LOG_LEVELS.indexOf(level);
}

/**
 * One JSON object per line on stdout (errors on stderr). A line written while serving a
 * request carries its `requestId` without the caller passing it, so a resolver, the
 * executor or `formatError` deep inside a request cannot forget it.
 */
export function log(msg: string, fields: Record<string, unknown> = {}, level: LogLevel = 'info'): void {
  if (LOG_LEVELS.indexOf(level) < threshold) return;
  const requestId = scope.getStore()?.requestId;
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...(requestId && { requestId }), ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}

/** A caller's id is kept when it is a plausible id, so a log line cannot be forged or bloated through the header. */
const ACCEPTED_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Gives the request an id (the caller's `X-Request-Id`, or a new UUID), echoes it in the
 * response, and logs one line when the response is sent. Only method, path, status and
 * timing are logged: never headers (Authorization holds the token) nor the query string.
 */
export const requestLogging: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const requestId = given && ACCEPTED_ID.test(given) ? given : randomUUID();
  // later readers (Apollo plugins) see the id the response carries
  req.headers['x-request-id'] = requestId;
  res.set('x-request-id', requestId);
  const store: RequestScope = { requestId, summary: {} };
  const { method, path } = req;
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    scope.run(store, () => log('request', { method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, ...store.summary }));
  });
  scope.run(store, next);
};

/** Adds fields to the closing line of the request being served (none outside a request). */
export function summarise(fields: Record<string, unknown>): void {
  Object.assign(scope.getStore()?.summary ?? {}, fields);
}

import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ExecutorObserver } from './db/executor.js';
import { ATTEMPT_OUTCOMES } from './domain/webhooks.js';
import type { WebhookObserver } from './services/webhook-dispatcher.js';
import { summarise } from './logging.js';

/**
 * The label of a GraphQL request: its type and root field (`query.datum`), or
 * `query.several` for several distinct root fields. Not the client's operation name:
 * clients choose those freely, and every new label value is a new time series kept in
 * memory for good, so labels are drawn only from the schema's own names.
 */
export function operationLabel(operation: OperationDefinitionNode | null | undefined): string {
  if (!operation) return 'invalid';
  const fields = new Set(operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : 'fragment')));
  return `${operation.operation}.${fields.size === 1 ? [...fields][0] : 'several'}`;
}

const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics', '/explorer']);

/** Latency buckets from 5 ms to 30 s (the transaction timeout's default). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** From a change's commit to its webhook delivery: 10 ms when all goes well, up to a day of retries when a receiver is down. */
const DELIVERY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400];

/**
 * The Prometheus metrics of one API process, in a registry of its own (several apps in
 * one process, as in tests, do not collide). Counts and latencies carry no ids, project
 * names or arguments.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly http = new Counter({ name: 'pedigree_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'] as const, registers: [this.registry] });
  private readonly graphql = new Histogram({ name: 'pedigree_graphql_request_duration_seconds', help: 'GraphQL requests by operation (type.rootField): count and latency', labelNames: ['operation'] as const, buckets: BUCKETS, registers: [this.registry] });
  private readonly errors = new Counter({ name: 'pedigree_graphql_errors_total', help: 'GraphQL errors by extensions.code and operation', labelNames: ['code', 'operation'] as const, registers: [this.registry] });
  private readonly cypher = new Histogram({ name: 'pedigree_cypher_duration_seconds', help: 'Cypher statements: count and latency, by outcome', labelNames: ['outcome'] as const, buckets: BUCKETS, registers: [this.registry] });
  private readonly sessions = new Gauge({ name: 'pedigree_neo4j_sessions_in_flight', help: 'Neo4j sessions open now, each holding a pooled connection while it works', registers: [this.registry] });
  private readonly poolSize = new Gauge({ name: 'pedigree_neo4j_pool_max_size', help: 'The Neo4j driver connection pool size', registers: [this.registry] });
  private readonly outboxBacklog = new Gauge({ name: 'pedigree_outbox_backlog', help: 'Change events waiting for webhooks, over all active webhooks: queued and not delivered yet, or not queued yet (as this replica last looked)', registers: [this.registry] });
  private readonly webhookRequests = new Histogram({ name: 'pedigree_webhook_request_duration_seconds', help: 'One webhook delivery request, from sending it to its answer or its timeout', buckets: BUCKETS, registers: [this.registry] });
  private readonly webhookDeliveries = new Counter({ name: 'pedigree_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome: delivered (2xx), retry (scheduled again), failed (given up), disabled (410 Gone)', labelNames: ['outcome'] as const, registers: [this.registry] });
  private readonly webhookLatency = new Histogram({ name: 'pedigree_webhook_delivery_latency_seconds', help: "From a change's commit to a 2xx answer from the webhook, retries included", buckets: DELIVERY_BUCKETS, registers: [this.registry] });

  constructor(maxPoolSize: number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'pedigree_' });
    this.poolSize.set(maxPoolSize);
    // every outcome is listed from the start, so a rate over it never begins with a gap
    for (const outcome of ATTEMPT_OUTCOMES) this.webhookDeliveries.inc({ outcome }, 0);
  }

  /** For the executors: statement latency and sessions in flight (the driver does not publish its pool's use). */
  readonly executor: ExecutorObserver = {
    statement: (seconds, failed) => this.cypher.observe({ outcome: failed ? 'error' : 'ok' }, seconds),
    sessions: (change) => this.sessions.inc(change),
  };

  /** For the webhook dispatcher: attempts by outcome, end-to-end latency, the backlog (no ids or URLs). */
  readonly webhooks: WebhookObserver = {
    attempt: (outcome, seconds) => {
      this.webhookDeliveries.inc({ outcome });
      this.webhookRequests.observe(seconds);
    },
    delivered: (seconds) => this.webhookLatency.observe(seconds),
    backlog: (events) => this.outboxBacklog.set(events),
  };

  /** A refusal before GraphQL runs (a missing or unknown token), counted like any GraphQL error. */
  refused(error: unknown): unknown {
    const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
    this.errors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', operation: 'authentication' });
    return error;
  }

  /** Every HTTP request by route (a path's first segment when it is one the API serves, never the raw path, which callers choose) and status. */
  readonly httpRequests: RequestHandler = (req, res, next) => {
    const first = `/${req.path.split('/')[1]}`;
    const route = ROUTES.has(first) ? first : 'other';
    res.once('finish', () => this.http.inc({ route, status: String(res.statusCode) }));
    next();
  };

  readonly plugin: ApolloServerPlugin = {
    requestDidStart: async () => {
      const end = this.graphql.startTimer();
      let operation = 'invalid';
      return {
        didResolveOperation: async (request) => {
          operation = operationLabel(request.operation);
          summarise({ operation });
        },
        willSendResponse: async ({ response }) => {
          end({ operation });
          if (response.body.kind !== 'single') return;
          const codes = (response.body.singleResult.errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          for (const code of codes) this.errors.inc({ code, operation });
          if (codes.length) summarise({ errors: [...new Set(codes)] });
        },
      };
    },
  };

  /** GET /metrics in the Prometheus text format. */
  readonly handler: RequestHandler = async (_req, res) => {
    res.set('content-type', this.registry.contentType).send(await this.registry.metrics());
  };
}

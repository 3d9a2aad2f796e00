import { randomUUID } from 'node:crypto';
import type { Executor } from '../db/executor.js';
import {
  createWebhookQuery,
  deleteWebhookQuery,
  webhookDeliveriesQuery,
  webhookDeliveryCountQuery,
  webhookQuery,
  webhooksQuery,
} from '../db/cypher/webhooks.js';
import { badInput, checkRange, notFound } from '../domain/errors.js';
import { requireProject, type Principal } from '../domain/roles.js';
import { checkName } from '../domain/uris.js';
import { checkWebhookTypes, checkWebhookUrl, newWebhookSecret } from '../domain/webhooks.js';
import { decodeCursor, pageSize, toConnection, type Connection } from './connection.js';
import { DestinationRefused, type WebhookDestinations } from './webhook-delivery.js';

/** A project's webhooks in one answer: a default and a maximum, as for every list. */
export const WEBHOOKS_PAGE = { default: 100, max: 1000 } as const;

export interface Webhook {
  id: string;
  project: string;
  url: string;
  types: string[];
  active: boolean;
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
}

const isSeqCursor = (v: any): v is { s: number } => Number.isInteger(v?.s) && v.s > 0;

/** Webhook administration (admin role, checked by the guard); delivery is WebhookDispatcher's. */
export class WebhookService {
  constructor(
    private readonly executor: Executor,
    private readonly principal: Principal,
    private readonly destinations: WebhookDestinations,
  ) {}

  /**
   * A webhook for the project's events of `types`, with its signing secret (answered this
   * once; stored so that deliveries can be signed, never shown again). The URL's host is
   * resolved and refused when it leads inside the server's network.
   */
  async create(project: string, url: string, types: string[]): Promise<{ webhook: Webhook; secret: string }> {
    // before any lookup: a project outside the token learns nothing from how its URL fares
    requireProject(this.principal, project);
    checkName('project', project);
    const target = checkWebhookUrl(url);
    checkWebhookTypes(types);
    await this.destinations.resolve(target).catch((error) => {
      throw error instanceof DestinationRefused ? badInput(error.message, { field: 'url' }) : error;
    });
    const secret = newWebhookSecret();
    const [row] = await this.executor.write((tx) => tx.run(createWebhookQuery({ id: randomUUID(), project, url: target.href, types, secret, by: this.principal.name })));
    return { webhook: row.w, secret };
  }

  async list(project: string, first: number | null | undefined): Promise<Webhook[]> {
    const size = checkRange('first', first ?? WEBHOOKS_PAGE.default, 0, WEBHOOKS_PAGE.max);
    return (await this.executor.query(webhooksQuery(project, size))).map((r) => r.w);
  }

  /** Deletes a webhook with its deliveries; NOT_FOUND (inside the transaction, so the audit log keeps no entry of it) when there is none the token may see. */
  delete(id: string): Promise<Webhook> {
    return this.executor.write(async (tx) => {
      const [row] = await tx.run(deleteWebhookQuery(id));
      if (!row) throw notFound('Webhook', id, { field: 'id' });
      return row.w;
    });
  }

  /** A webhook's deliveries, newest event first, with keyset pagination on the event's sequence number. */
  async deliveries(webhookId: string, first: number | null | undefined, after: string | null | undefined): Promise<Connection<Record<string, unknown>>> {
    const size = pageSize(first);
    const cursor = decodeCursor(after, isSeqCursor);
    const [webhook] = await this.executor.query(webhookQuery(webhookId));
    if (!webhook) throw notFound('Webhook', webhookId, { field: 'webhookId' });
    const rows = await this.executor.query(webhookDeliveriesQuery(webhookId, size + 1, cursor?.s ?? null));
    const count = () => this.executor.query(webhookDeliveryCountQuery(webhookId)).then((r) => r[0].n as number);
    return toConnection(
      rows.map((r) => r.d),
      size,
      (d) => ({ s: d.seq }),
      cursor !== undefined,
      count,
    );
  }
}

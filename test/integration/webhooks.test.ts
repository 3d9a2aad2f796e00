/**
 * Signed webhooks, end to end: the API delivers change events over real HTTP to receivers
 * on 127.0.0.1, which check every delivery with the Standard Webhooks reference library.
 * Retries, timeouts, leases and retention run on the short settings below (the defaults
 * are the contract's: first retry within 10 s, a 15 s timeout, about a day of retries).
 */
import { cypher, errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';
import { Receiver, verify, type Received } from '../support/receiver.js';

const SETTINGS = {
  PEDIGREE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  PEDIGREE_WEBHOOK_TIMEOUT_MS: '700',
  PEDIGREE_WEBHOOK_BACKOFF_MS: '200',
  PEDIGREE_WEBHOOK_GIVE_UP_MS: '1500',
  PEDIGREE_WEBHOOK_LEASE_MS: '3000',
  PEDIGREE_WEBHOOK_POLL_MS: '100',
};

let api: TestApi;
let receiver: Receiver;

const CREATE = `mutation($p: String!, $u: String!, $t: [String!]!) { createWebhook(project: $p, url: $u, types: $t) { secret webhook { id project url types active createdBy disabledAt } } }`;
const DELIVERIES = `query($id: ID!, $first: Int, $after: String) { webhookDeliveries(webhookId: $id, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { eventId seq type status attempts lastStatusCode lastError deliveredAt nextAttemptAt } } } }`;

/** A project with two datums and an alias to move between them: each move is one alias.moved event. */
async function project(name: string) {
  const execution = (await api.ok(`mutation($p: String!) { createExecution(input: {project: $p, name: "train"}) { id } }`, { p: name })).createExecution.id;
  const datums: string[] = (
    await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
      e: execution,
      o: [0, 1].map((i) => ({ path: `${name}/${i}.bin`, size: 1, sha256: sha(`${name}${i}`) })),
    })
  ).recordOutputs.map((d: { id: string }) => d.id);
  let moves = 0;
  return {
    /** Moves the alias `n` times, one mutation each; answers the moves' event ids in order. */
    async move(n = 1): Promise<string[]> {
      const before = moves;
      for (let i = 0; i < n; i++) {
        await api.ok(`mutation($p: String!, $d: ID!) { setAlias(project: $p, name: "prod", datumId: $d) { id } }`, { p: name, d: datums[moves % 2] });
        moves++;
      }
      const { records } = await cypher("MATCH (e:OutboxEvent {project: $p, type: 'alias.moved'}) RETURN e.id AS id ORDER BY e.seq", { p: name });
      return records.slice(before, moves).map((r) => r.get('id') as string);
    },
    async webhook(path: string, types = ['alias.moved']) {
      const { createWebhook } = await api.ok(CREATE, { p: name, u: receiver.url(path), t: types });
      return { id: createWebhook.webhook.id as string, secret: createWebhook.secret as string };
    },
  };
}

const ids = (received: Received[]) => received.map((r) => r.headers['webhook-id']);

async function deliveries(webhookId: string) {
  return (await api.ok(DELIVERIES, { id: webhookId })).webhookDeliveries.edges.map((e: { node: unknown }) => e.node);
}

/** Polls the webhook's deliveries until `done` holds of them. */
async function settled(webhookId: string, done: (list: any[]) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await deliveries(webhookId);
    if (done(list)) return list;
    if (Date.now() > deadline) throw new Error(`deliveries did not settle: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  Object.assign(process.env, SETTINGS);
  await resetDatabase();
  receiver = await Receiver.start();
  api = await startApi();
}, 60_000);
afterAll(async () => {
  await api?.close();
  await receiver?.close();
});

describe('createWebhook, webhooks, deleteWebhook', () => {
  it('shows the whsec_ secret once and stores it only where the dispatcher reads it', async () => {
    const p = await project('hooks-admin');
    const { createWebhook } = await api.ok(CREATE, { p: 'hooks-admin', u: receiver.url('/admin'), t: ['alias.moved', 'metadata.logged'] });
    expect(createWebhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(createWebhook.webhook).toEqual({ id: expect.any(String), project: 'hooks-admin', url: receiver.url('/admin'), types: ['alias.moved', 'metadata.logged'], active: true, createdBy: 'admin', disabledAt: null });
    const { webhooks } = await api.ok(`{ webhooks(project: "hooks-admin") { id url types active } }`);
    expect(webhooks).toEqual([{ id: createWebhook.webhook.id, url: receiver.url('/admin'), types: ['alias.moved', 'metadata.logged'], active: true }]);
    // the schema has no field that shows it; the audit log and the metrics do not hold it
    const audit = await api.ok(`{ auditLog(filter: {operation: "createWebhook"}) { edges { node { summary } } } }`);
    expect(audit.auditLog.edges[0].node.summary).toContain(receiver.url('/admin'));
    expect(JSON.stringify(audit)).not.toContain(createWebhook.secret.slice(6));
    expect(await (await fetch(`${api.url}/metrics`)).text()).not.toContain(createWebhook.secret.slice(6));
    const { records } = await cypher('MATCH (w:Webhook {id: $id}) RETURN w.secret AS secret', { id: createWebhook.webhook.id });
    expect(records[0].get('secret')).toBe(createWebhook.secret);
    await p.move();
    await receiver.waitFor('/admin', 1);
    const deleted = await api.ok(`mutation($id: ID!) { deleteWebhook(id: $id) { id active } }`, { id: createWebhook.webhook.id });
    expect(deleted.deleteWebhook).toEqual({ id: createWebhook.webhook.id, active: true });
    expect((await cypher('MATCH (d:WebhookDelivery {webhookId: $id}) RETURN count(d) AS n', { id: createWebhook.webhook.id })).records[0].get('n').toNumber()).toBe(0);
    expect(errorCode(await api.gql(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: createWebhook.webhook.id }))).toBe('NOT_FOUND');
    expect(errorCode(await api.gql(DELIVERIES, { id: createWebhook.webhook.id }))).toBe('NOT_FOUND');
    expect((await api.ok(`{ webhooks(project: "hooks-admin") { id } }`)).webhooks).toEqual([]);
    // the first test of the file pays for a cold database's first plans
  }, 60_000);

  it('refuses a host that resolves inside the server network unless it is allowed, naming why', async () => {
    const refused = await api.gql(CREATE, { p: 'hooks-admin', u: 'http://localhost:9/hook', t: ['alias.moved'] });
    expect(refused.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'url' }, message: expect.stringMatching(/'localhost' resolves to (127\.0\.0\.1|::1), a loopback address.*PEDIGREE_WEBHOOK_ALLOW_HOSTS/) });
    const metadata = await api.gql(CREATE, { p: 'hooks-admin', u: 'http://169.254.169.254/latest/meta-data', t: ['alias.moved'] });
    expect(metadata.errors![0].message).toMatch(/a cloud metadata address/);
    const mapped = await api.gql(CREATE, { p: 'hooks-admin', u: 'http://[::ffff:10.1.2.3]/', t: ['alias.moved'] });
    expect(mapped.errors![0].message).toMatch(/a private address/);
    expect(errorCode(await api.gql(CREATE, { p: 'hooks-admin', u: 'https://no-such-host.invalid/hook', t: ['alias.moved'] }))).toBe('BAD_USER_INPUT');
  });

  it('is for admins of the project only', async () => {
    const token = async (role: string, projects: string[]) =>
      (await api.ok(`mutation($r: Role!, $p: [String!]!) { createToken(name: "hooks-${role}", role: $r, projects: $p) { token } }`, { r: role, p: projects })).createToken.token;
    const approver = `Bearer ${await token('approver', ['hooks-admin'])}`;
    const otherAdmin = `Bearer ${await token('admin', ['elsewhere'])}`;
    const args = { p: 'hooks-admin', u: receiver.url('/never'), t: ['alias.moved'] };
    expect(errorCode(await api.gql(CREATE, args, approver))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(`{ webhooks(project: "hooks-admin") { id } }`, {}, approver))).toBe('FORBIDDEN');
    expect(errorCode(await api.gql(CREATE, args, otherAdmin))).toBe('FORBIDDEN');
    const { createWebhook } = await api.ok(CREATE, args);
    expect(errorCode(await api.gql(DELIVERIES, { id: createWebhook.webhook.id }, otherAdmin))).toBe('NOT_FOUND');
    expect(errorCode(await api.gql(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: createWebhook.webhook.id }, otherAdmin))).toBe('NOT_FOUND');
    await api.ok(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, { id: createWebhook.webhook.id });
  });
});

describe('delivery', () => {
  it('signs each event as Standard Webhooks, in order, with the event id as webhook-id and {type, timestamp, data} as body', async () => {
    const p = await project('hooks-order');
    const hook = await p.webhook('/order');
    const events = await p.move(5);
    const got = await receiver.waitFor('/order', 5);
    expect(ids(got)).toEqual(events);
    for (const [i, r] of got.entries()) {
      const payload = verify(hook.secret, r);
      expect(payload).toEqual({ type: 'alias.moved', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), data: expect.objectContaining({ name: 'prod' }) });
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body).data).toEqual(payload.data);
      expect(payload.data).toMatchObject({ name: 'prod', from: i === 0 ? null : expect.any(String), to: expect.any(String) });
    }
    // a tampered body or another secret fails the reference verification
    expect(() => verify(hook.secret, { ...got[0], body: got[0].body.replace('prod', 'dorp') })).toThrow(/signature/);
    expect(() => verify('whsec_' + Buffer.from('another secret entirely').toString('base64'), got[0])).toThrow(/signature/);
    const list = await settled(hook.id, (l) => l.length === 5 && l.every((d) => d.status === 'DELIVERED'));
    expect(list.map((d: any) => d.eventId)).toEqual([...events].reverse());
    expect(list[0]).toMatchObject({ type: 'alias.moved', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null, deliveredAt: expect.any(String) });
  });

  it('delivers only the types asked for, and only events after the webhook was created', async () => {
    const p = await project('hooks-types');
    await p.move(2);
    const hook = await p.webhook('/types', ['metadata.logged']);
    await p.move(2);
    const { records } = await cypher("MATCH (d:Datum {project: 'hooks-types'}) RETURN d.id AS id LIMIT 1");
    await api.ok(`mutation($t: ID!) { logMetadata(target: $t, metadata: {accuracy: 0.5}) { target { id } } }`, { t: records[0].get('id') });
    const [got] = await receiver.waitFor('/types', 1);
    expect(verify(hook.secret, got)).toMatchObject({ type: 'metadata.logged', data: { names: ['accuracy'] } });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/types')).toHaveLength(1);
  });

  it('sends the same webhook-id again after a 500, and holds later events back until it is delivered', async () => {
    const p = await project('hooks-retry');
    const hook = await p.webhook('/retry');
    receiver.script('/retry', 500, 500);
    const events = await p.move(3);
    const got = await receiver.waitFor('/retry', 5);
    expect(ids(got)).toEqual([events[0], events[0], events[0], events[1], events[2]]);
    for (const r of got) verify(hook.secret, r);
    // backoff: the first retry waits half to all of 200 ms, the second half to all of 400 ms
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(90);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(190);
    const list = await settled(hook.id, (l) => l.length === 3 && l.every((d) => d.status === 'DELIVERED'));
    expect(list.at(-1)).toMatchObject({ eventId: events[0], attempts: 3, lastStatusCode: 200, lastError: null });
  });

  it('records a failed attempt with when the next comes', async () => {
    const p = await project('hooks-pending');
    const hook = await p.webhook('/pending');
    receiver.script('/pending', 503, 'hang');
    await p.move();
    await receiver.waitFor('/pending', 1);
    const [pending] = await settled(hook.id, (l) => l[0]?.attempts === 1);
    expect(pending).toMatchObject({ status: 'PENDING', lastStatusCode: 503, lastError: 'the receiver answered HTTP 503', nextAttemptAt: expect.any(String) });
    // the second attempt hangs past the 700 ms timeout; the third is delivered
    const got = await receiver.waitFor('/pending', 3);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(700);
    expect(new Set(ids(got)).size).toBe(1);
    const [delivered] = await settled(hook.id, (l) => l[0]?.status === 'DELIVERED');
    expect(delivered.attempts).toBe(3);
  });

  it('does not follow a redirect: a 3xx is a failure, retried', async () => {
    const p = await project('hooks-redirect');
    const hook = await p.webhook('/moved');
    receiver.script('/moved', { redirect: receiver.url('/elsewhere') });
    await p.move();
    const got = await receiver.waitFor('/moved', 2);
    expect(got[0].headers['webhook-id']).toBe(got[1].headers['webhook-id']);
    expect(receiver.at('/elsewhere')).toEqual([]);
    const [delivered] = await settled(hook.id, (l) => l[0]?.status === 'DELIVERED');
    expect(delivered.attempts).toBe(2);
  });

  it('gives a delivery up after the give-up period, marks it FAILED, and goes on with the next event', async () => {
    const p = await project('hooks-giveup');
    const hook = await p.webhook('/giveup');
    let doomed: unknown;
    receiver.rule('/giveup', (r) => ((doomed ??= r.headers['webhook-id']) === r.headers['webhook-id'] ? 500 : 200));
    const events = await p.move(2);
    const [later, failed] = await settled(hook.id, (l) => l.length === 2 && l[0].status === 'DELIVERED', 15_000);
    expect(failed).toMatchObject({ eventId: events[0], status: 'FAILED', lastStatusCode: 500, nextAttemptAt: null, deliveredAt: null });
    expect(failed.attempts).toBeGreaterThanOrEqual(3);
    expect(later).toMatchObject({ eventId: events[1], status: 'DELIVERED' });
    const got = receiver.at('/giveup');
    expect(got.at(-1)!.at - got[0].at).toBeLessThan(3_000);
    expect(ids(got).at(-1)).toBe(events[1]);
  });

  it('disables the webhook when its receiver answers 410 Gone', async () => {
    const p = await project('hooks-gone');
    const hook = await p.webhook('/gone');
    // the first attempt hangs past the timeout, so that both moves are queued before the 410
    // (a delivery answered at once could disable the webhook before the second move commits)
    receiver.script('/gone', 'hang', 410);
    const events = await p.move(2);
    const [second, first] = await settled(hook.id, (l) => l.length === 2 && l[1].status === 'FAILED');
    expect(first).toMatchObject({ eventId: events[0], status: 'FAILED', lastStatusCode: 410, lastError: expect.stringMatching(/410 Gone/) });
    expect(second).toMatchObject({ eventId: events[1], status: 'PENDING', attempts: 0 });
    const { webhooks } = await api.ok(`{ webhooks(project: "hooks-gone") { active disabledAt } }`);
    expect(webhooks).toEqual([{ active: false, disabledAt: expect.any(String) }]);
    await p.move();
    await new Promise((r) => setTimeout(r, 500));
    // the first event twice (the attempt that hung, then the 410), nothing after
    expect(ids(receiver.at('/gone'))).toEqual([events[0], events[0]]);
  });

  it('pages the deliveries newest first', async () => {
    const p = await project('hooks-pages');
    const hook = await p.webhook('/pages');
    const events = await p.move(5);
    await receiver.waitFor('/pages', 5);
    const first = (await api.ok(DELIVERIES, { id: hook.id, first: 2 })).webhookDeliveries;
    expect(first.totalCount).toBe(5);
    expect(first.edges.map((e: any) => e.node.eventId)).toEqual([events[4], events[3]]);
    const rest = (await api.ok(DELIVERIES, { id: hook.id, first: 10, after: first.pageInfo.endCursor })).webhookDeliveries;
    expect(rest.edges.map((e: any) => e.node.eventId)).toEqual([events[2], events[1], events[0]]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(errorCode(await api.gql(DELIVERIES, { id: hook.id, first: 1001 }))).toBe('LIMIT_EXCEEDED');
    expect(errorCode(await api.gql(DELIVERIES, { id: hook.id, after: 'not-a-cursor' }))).toBe('BAD_USER_INPUT');
  });

  it('counts deliveries by outcome, their latency and the backlog in /metrics', async () => {
    const BACKLOG = /^pedigree_outbox_backlog (\d+)/m;
    // the backlog is as this replica last looked: the look after the last delivery's result
    // is written (at most a poll interval later) finds nothing waiting
    let metrics = '';
    for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 100))) {
      metrics = await (await fetch(`${api.url}/metrics`)).text();
      if (metrics.match(BACKLOG)?.[1] === '0' || Date.now() > deadline) break;
    }
    const value = (line: RegExp) => Number(metrics.match(line)?.[1]);
    expect(value(/^pedigree_webhook_deliveries_total\{outcome="delivered"\} (\d+)/m)).toBeGreaterThan(10);
    expect(value(/^pedigree_webhook_deliveries_total\{outcome="retry"\} (\d+)/m)).toBeGreaterThan(3);
    expect(value(/^pedigree_webhook_deliveries_total\{outcome="failed"\} (\d+)/m)).toBe(1);
    expect(value(/^pedigree_webhook_deliveries_total\{outcome="disabled"\} (\d+)/m)).toBe(1);
    expect(value(/^pedigree_webhook_delivery_latency_seconds_count (\d+)/m)).toBe(value(/^pedigree_webhook_deliveries_total\{outcome="delivered"\} (\d+)/m));
    expect(metrics).toMatch(/^pedigree_webhook_request_duration_seconds_count \d+/m);
    // everything was delivered (a disabled webhook's deliveries wait for nothing)
    expect(value(BACKLOG)).toBe(0);
  });
});

describe('the address check at delivery', () => {
  it('refuses to deliver to a host that is no longer allowed, and says so on the delivery', async () => {
    const p = await project('hooks-recheck');
    const hook = await p.webhook('/recheck');
    // the same database, served by an API whose allow list no longer has 127.0.0.1
    await api.close();
    process.env.PEDIGREE_WEBHOOK_ALLOW_HOSTS = '';
    api = await startApi();
    await p.move();
    const [pending] = await settled(hook.id, (l) => l[0]?.attempts >= 1);
    expect(pending).toMatchObject({ status: 'PENDING', lastStatusCode: null, lastError: expect.stringMatching(/'127\.0\.0\.1' is a loopback address/) });
    expect(receiver.at('/recheck')).toEqual([]);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^pedigree_outbox_backlog 1$/m);
  });
});

describe('retention', () => {
  it('prunes finished deliveries and the events no webhook still needs, and keeps the counters', async () => {
    await api.close();
    process.env.PEDIGREE_EVENT_RETENTION_MS = '1500';
    api = await startApi();
    const count = async (query: string) => (await cypher(query)).records[0].get('n').toNumber() as number;
    const { records } = await cypher("MATCH (c:EventCounter {project: 'hooks-order'}) RETURN c.seq AS seq");
    const counter = records[0].get('seq').toNumber();
    // retention 1.5 s: pruned every second
    for (let i = 0; i < 100 && (await count("MATCH (e:OutboxEvent {project: 'hooks-order'}) RETURN count(e) AS n")) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await count("MATCH (e:OutboxEvent {project: 'hooks-order'}) RETURN count(e) AS n")).toBe(0);
    expect(await count("MATCH (d:WebhookDelivery {project: 'hooks-order'}) RETURN count(d) AS n")).toBe(0);
    // the disabled webhook's PENDING delivery keeps its event; nothing else stays past the retention
    expect(await count("MATCH (d:WebhookDelivery {project: 'hooks-gone', status: 'PENDING'}), (e:OutboxEvent {id: d.eventId}) RETURN count(e) AS n")).toBe(1);
    expect(await count('MATCH (e:OutboxEvent) WHERE e.at < datetime() - duration({seconds: 3}) AND NOT EXISTS { MATCH (d:WebhookDelivery {eventId: e.id, status: "PENDING"}) } RETURN count(e) AS n')).toBe(0);
    expect(await count("MATCH (d:WebhookDelivery) WHERE d.status <> 'PENDING' AND d.finishedAt < datetime() - duration({seconds: 3}) RETURN count(d) AS n")).toBe(0);
    // sequence numbers go on from the counter, so readers and webhooks miss nothing
    const p = await project('hooks-order');
    const [next] = await p.move();
    const { records: after } = await cypher('MATCH (e:OutboxEvent {id: $id}) RETURN e.seq AS seq', { id: next });
    expect(after[0].get('seq').toNumber()).toBeGreaterThan(counter);
  }, 30_000);
});

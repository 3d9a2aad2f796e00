/**
 * Change events: an event exists exactly when its change committed (the transactional
 * outbox), and subscribers over WebSocket hear the committed changes of their projects,
 * in order, and nothing else.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { cypher, errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let reader: string;
let otherProject: string;
let execution: string;
let datums: string[];

const MOVE = `mutation($n: String!, $d: ID!, $e: ID) { setAlias(project: "events", name: $n, datumId: $d, expectedDatumId: $e) { id } }`;

async function token(role: string, projects: string[]) {
  return (await api.ok(`mutation($r: Role!, $p: [String!]!) { createToken(name: "listener", role: $r, projects: $p) { token } }`, { r: role, p: projects })).createToken.token as string;
}

/** Events recorded in the outbox for a project, oldest first. */
async function outbox(project: string) {
  const { records } = await cypher('MATCH (e:OutboxEvent {project: $project}) RETURN e.seq AS seq, e.type AS type, e.data AS data, e.by AS by ORDER BY e.seq', { project });
  return records.map((r) => ({ seq: r.get('seq').toNumber(), type: r.get('type') as string, data: JSON.parse(r.get('data')), by: r.get('by') as string }));
}

function client(authorization?: string): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let closedWith: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (closedWith = resolve));
  const url = api.url.replace(/^http/, 'ws') + '/graphql';
  const c = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => closedWith({ code: (event as { code: number }).code, reason: String((event as { reason: string }).reason) }) },
    onNonLazyError: () => {},
  });
  return { client: c, closed };
}

/** Collects what a subscription yields until `count` results (or an error) arrive. */
function collect<T = any>(c: Client, query: string, variables: Record<string, unknown>, count: number): { results: Promise<Array<{ data?: T; errors?: any[] }>>; stop: () => void } {
  const got: Array<{ data?: T; errors?: any[] }> = [];
  let stop = () => {};
  const results = new Promise<Array<{ data?: T; errors?: any[] }>>((resolve, reject) => {
    stop = c.subscribe<T>({ query, variables }, {
      next: (value) => {
        got.push(value as { data?: T; errors?: any[] });
        if (got.length >= count) resolve(got);
      },
      error: (error) => (Array.isArray(error) ? resolve([...got, { errors: error }]) : reject(error)),
      complete: () => resolve(got),
    });
  });
  return { results, stop };
}

/** Lets a fresh subscription reach the server before the change it waits for is made. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  execution = (await api.ok(`mutation { createExecution(input: {project: "events", name: "train"}) { id } }`)).createExecution.id;
  datums = (
    await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
      e: execution,
      o: [0, 1, 2].map((i) => ({ path: `m/${i}.pkl`, size: 1, sha256: sha(`ev${i}`) })),
    })
  ).recordOutputs.map((d: { id: string }) => d.id);
  reader = await token('reader', ['events']);
  await api.ok(`mutation { createExecution(input: {project: "elsewhere", name: "x"}) { id } }`);
  otherProject = await token('reader', ['elsewhere']);
});
afterAll(() => api.close());

describe('the transactional outbox', () => {
  it('records each committed change, in order, with no gaps, under the principal that made it', async () => {
    const events = await outbox('events');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual(['execution.status_changed', 'metadata.logged', 'lineage.recorded']);
    expect(events[0].data).toMatchObject({ executionId: execution, name: 'train', from: null, to: 'QUEUED' });
    expect(events[2].data).toEqual({ executionId: execution, inputs: { ids: [], count: 0 }, outputs: { ids: expect.arrayContaining(datums), count: 3 } });
    expect(events.every((e) => e.by === 'admin')).toBe(true);
  });

  it('records nothing for a refused compare-and-set, a dry run or a failed mutation', async () => {
    await api.ok(MOVE, { n: 'prod', d: datums[0] });
    const before = (await outbox('events')).length;
    expect(errorCode(await api.gql(MOVE, { n: 'prod', d: datums[1], e: datums[2] }))).toBe('CONFLICT');
    const dry = await api.ok(`mutation($e: ID!) { ingestOutputs(executionId: $e, files: [{path: "dry.bin", size: 1, sha256: "${sha('dry')}", sidecar: {a: 1}}], dryRun: true) { created } }`, { e: execution });
    expect(dry.ingestOutputs.created).toBe(1);
    expect(errorCode(await api.gql(`mutation($t: ID!) { logMetadata(target: $t, metadata: {system: {host: "x"}}) { target { id } } }`, { t: datums[0] }))).toBe('BAD_USER_INPUT');
    expect((await outbox('events')).length).toBe(before);
  });

  it('says what changed: an alias move from, to and why; a status change from and to', async () => {
    await api.ok(`mutation($d: ID!) { setAlias(project: "events", name: "prod", datumId: $d, reason: "better") { id } }`, { d: datums[1] });
    await api.ok(`mutation($id: ID!) { startExecution(id: $id) { id } }`, { id: execution });
    const events = (await outbox('events')).slice(-3);
    expect(events[0]).toMatchObject({ type: 'alias.moved', data: { name: 'prod', from: datums[0], to: datums[1], reason: 'better' } });
    expect(events[1]).toMatchObject({ type: 'execution.status_changed', data: { executionId: execution, from: 'QUEUED', to: 'RUNNING' } });
    expect(events[2]).toMatchObject({ type: 'metadata.logged', data: { target: execution, names: ['system.startedAt'] } });
  });
});

describe('subscriptions over WebSocket', () => {
  it('hears each committed alias move, in order, and not the refused one', async () => {
    const { client: c } = client(`Bearer ${reader}`);
    const moves = collect(c, `subscription { aliasMoved(project: "events", name: "prod") { from { id } to { id } by reason alias { name } } }`, {}, 2);
    await settle();
    await api.ok(`mutation($d: ID!, $e: ID) { setAlias(project: "events", name: "prod", datumId: $d, expectedDatumId: $e, reason: "one") { id } }`, { d: datums[2], e: datums[1] });
    expect(errorCode(await api.gql(MOVE, { n: 'prod', d: datums[0], e: datums[1] }))).toBe('CONFLICT');
    await api.ok(`mutation($d: ID!) { setAlias(project: "events", name: "prod", datumId: $d, reason: "two") { id } }`, { d: datums[0] });
    const got = await moves.results;
    expect(got.map((r) => r.data!.aliasMoved)).toEqual([
      { from: { id: datums[1] }, to: { id: datums[2] }, by: 'admin', reason: 'one', alias: { name: 'prod' } },
      { from: { id: datums[2] }, to: { id: datums[0] }, by: 'admin', reason: 'two', alias: { name: 'prod' } },
    ]);
    moves.stop();
    await c.dispose();
  });

  it('hears metadata entries of one target, execution status changes and model decisions', async () => {
    const { client: c } = client(`Bearer ${reader}`);
    const entries = collect(c, `subscription($t: ID!) { metadataLogged(target: $t) { name value } }`, { t: datums[0] }, 2);
    const statuses = collect(c, `subscription { executionStatusChanged(project: "events") { id status } }`, {}, 1);
    const decisions = collect(c, `subscription { modelVersionStatusChanged(project: "events", model: "churn") { version { uri status } from to comment } }`, {}, 1);
    await settle();
    await api.ok(`mutation($t: ID!) { logMetadata(target: $t, metadata: {accuracy: 0.9, val: {loss: 0.2}}) { target { id } } }`, { t: datums[0] });
    await api.ok(`mutation($id: ID!) { finishExecution(id: $id, status: COMPLETED) { id } }`, { id: execution });
    const version = (await api.ok(`mutation($d: ID!) { createModelVersion(project: "events", model: "churn", datumIds: [$d]) { id } }`, { d: datums[0] })).createModelVersion.id;
    await api.ok(`mutation($id: ID!) { approveModelVersion(id: $id, comment: "ship it") { id } }`, { id: version });
    expect((await entries.results).map((r) => r.data!.metadataLogged).sort((a: any, b: any) => a.name.localeCompare(b.name))).toEqual([
      { name: 'accuracy', value: 0.9 },
      { name: 'val.loss', value: 0.2 },
    ]);
    expect((await statuses.results)[0].data!.executionStatusChanged).toEqual({ id: execution, status: 'COMPLETED' });
    expect((await decisions.results)[0].data!.modelVersionStatusChanged).toEqual({ version: { uri: 'model://churn/1', status: 'APPROVED' }, from: 'PENDING', to: 'APPROVED', comment: 'ship it' });
    for (const s of [entries, statuses, decisions]) s.stop();
    await c.dispose();
  });

  it('filters the raw event stream by type, and a subscriber of another project hears nothing', async () => {
    const mine = client(`Bearer ${reader}`);
    const theirs = client(`Bearer ${otherProject}`);
    const stream = collect(mine.client, `subscription { events(project: "events", types: ["alias.deleted"]) { type project seq by data } }`, {}, 1);
    let heard = 0;
    const stop = theirs.client.subscribe({ query: `subscription { events(project: "elsewhere") { id } }` }, { next: () => void heard++, error: () => {}, complete: () => {} });
    await settle();
    await api.ok(`mutation($d: ID!) { logMetadata(target: $d, metadata: {ignored: true}) { target { id } } }`, { d: datums[1] });
    await api.ok(`mutation { deleteAlias(project: "events", name: "prod") }`);
    const [deleted] = await stream.results;
    expect(deleted.data!.events).toMatchObject({ type: 'alias.deleted', project: 'events', by: 'admin', data: { name: 'prod', target: datums[0] } });
    await settle();
    expect(heard).toBe(0);
    stop();
    await mine.client.dispose();
    await theirs.client.dispose();
  });

  it('refuses a project outside the token with FORBIDDEN, an unknown type with BAD_USER_INPUT', async () => {
    const { client: c } = client(`Bearer ${otherProject}`);
    const [refused] = await collect(c, `subscription { events(project: "events") { id } }`, {}, 1).results;
    expect(refused.errors![0].extensions.code).toBe('FORBIDDEN');
    const [unknown] = await collect(c, `subscription { events(project: "elsewhere", types: ["alias.renamed"]) { id } }`, {}, 1).results;
    expect(unknown.errors![0].extensions.code).toBe('BAD_USER_INPUT');
    await c.dispose();
  });

  it('closes the socket without a token (4401) and with an unknown one (4403)', async () => {
    expect((await client().closed).code).toBe(4401);
    expect((await client('Bearer pdg_not-a-token').closed).code).toBe(4403);
  });

  it('ends the subscriptions of a token revoked while it listens', async () => {
    const doomed = await token('reader', ['events']);
    const id = (await api.ok(`{ tokens { id name } }`)).tokens.filter((t: { name: string }) => t.name === 'listener').at(-1).id;
    const { client: c, closed } = client(`Bearer ${doomed}`);
    // the subscription ends with the socket: its error is the close, not asserted here
    collect(c, `subscription { events(project: "events") { id } }`, {}, 1).results.catch(() => {});
    await settle();
    await api.ok(`mutation($id: ID!) { revokeToken(id: $id) { id } }`, { id });
    expect((await closed).code).toBe(4403);
  }, 20_000);
});

import {
  getNamedType,
  isAbstractType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import { buildSchema } from '../../src/server.js';
import { requiredRole } from '../../src/domain/roles.js';
import { ROLES, type Role } from '../../src/domain/roles.js';
import { cypher, errorCode, resetDatabase, sha, startApi, type GqlResult, type TestApi } from '../support/api.js';

/**
 * Project isolation and the role x operation x project matrix, over every root field the
 * schema declares: the fields are read from the schema itself, so a new query or mutation
 * is in this test the day it is added (and fails it until its arguments are described
 * in `argsFor`). Project `alpha` holds the secrets; the tokens under test belong to `beta`.
 */

interface Fixture {
  project: string;
  execution: string;
  datum: string;
  input: string;
  modelVersion: string;
  datasetVersion: string;
  alias: string;
  doomedAlias: string;
  model: string;
  dataset: string;
  token: string;
  webhook: string;
}

let api: TestApi;
let schema: GraphQLSchema;
let alpha: Fixture;
let beta: Fixture;
const tokens = {} as Record<Role, string>;
let alphaSecrets: Awaited<ReturnType<typeof alphaData>>;
let alphaBefore: string;
const SECRET = 'alpha-secret';

async function makeProject(project: string, prefix: string, n: number): Promise<Fixture> {
  const exec = async (name: string) =>
    (await api.ok(`mutation($i: CreateExecutionInput!) { createExecution(input: $i) { id } }`, {
      i: { project, name: `${prefix}-${name}`, kind: 'STEP', commit: `${prefix}-commit`, tags: [`${prefix}-tag`] },
    })).createExecution.id as string;
  const output = async (execution: string, path: string) =>
    (await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
      e: execution,
      o: [{ path: `${prefix}/${path}`, size: 10, sha256: sha(`${prefix}${path}`) }],
    })).recordOutputs[0].id as string;
  const prep = await exec('prep');
  const input = await output(prep, 'features.parquet');
  const execution = await exec('train');
  await api.ok(`mutation($e: ID!, $d: ID!) { recordInputs(executionId: $e, inputs: [{datumId: $d, inputName: "${prefix}-input"}]) { id } }`, { e: execution, d: input });
  const datum = await output(execution, 'model.bin');
  await api.ok(`mutation($d: ID!, $m: JSONObject!) { logMetadata(target: $d, metadata: $m) { target { id } } }`, { d: datum, m: { [`${prefix}-key`]: `${prefix}-value`, accuracy: 0.9 } });
  const alias = `${prefix}-alias`;
  const doomedAlias = `${prefix}-doomed`;
  for (const name of [alias, doomedAlias]) {
    await api.ok(`mutation($p: String!, $n: String!, $d: ID!) { setAlias(project: $p, name: $n, datumId: $d, reason: "${prefix}-reason") { id } }`, { p: project, n: name, d: datum });
  }
  const model = `${prefix}-model`;
  const dataset = `${prefix}-dataset`;
  const modelVersion = (await api.ok(`mutation($p: String!, $m: String!, $d: ID!) { createModelVersion(project: $p, model: $m, datumIds: [$d]) { id } }`, { p: project, m: model, d: datum })).createModelVersion.id;
  await api.ok(`mutation($id: ID!) { approveModelVersion(id: $id, comment: "${prefix}-comment") { id } }`, { id: modelVersion });
  const datasetVersion = (await api.ok(`mutation($p: String!, $s: String!, $d: ID!) { createDatasetVersion(project: $p, dataset: $s, version: "v${n}", datumIds: [$d]) { id } }`, { p: project, s: dataset, d: input })).createDatasetVersion.id;
  const token = (await api.ok(`mutation($p: String!) { createToken(name: "${prefix}-token", role: reader, projects: [$p]) { record { id } } }`, { p: project })).createToken.record.id;
  // last, so no event of the fixture is queued for it (a documentation address: nothing answers there)
  const webhook = (await api.ok(`mutation($p: String!) { createWebhook(project: $p, url: "https://203.0.113.10/${prefix}-hook", types: ["alias.deleted"]) { webhook { id } } }`, { p: project })).createWebhook.webhook.id;
  return { project, execution, datum, input, modelVersion, datasetVersion, alias, doomedAlias, model, dataset, token, webhook };
}

let unique = 0;
/** A fresh name where a mutation must not collide with an earlier run of itself (immutable versions). */
const fresh = (stem: string) => `${stem}-${++unique}`;

/**
 * Arguments that aim a root field at fixture `f`. Arguments are filled by name, with the
 * few fields whose `id` or `name` means something else named below; an argument nobody
 * described fails the test, so a new field cannot slip through unexercised.
 */
function argsFor(field: GraphQLField<unknown, unknown>, f: Fixture): Record<string, unknown> {
  const idOf: Record<string, string> = {
    node: f.datum, lineage: f.datum, lineageCount: f.datum, impact: f.datum, datum: f.datum, execution: f.execution, startExecution: f.execution, finishExecution: f.execution,
    modelVersion: f.modelVersion, approveModelVersion: f.modelVersion, rejectModelVersion: f.modelVersion, archiveModelVersion: f.modelVersion,
    datasetVersion: f.datasetVersion, addToDatasetVersion: f.datasetVersion, revokeToken: f.token, deleteWebhook: f.webhook,
  };
  const nameOf: Record<string, string> = {
    project: f.project, model: f.model, dataset: f.dataset, deleteAlias: f.doomedAlias, createToken: fresh('matrix-token'),
  };
  const byName: Record<string, () => unknown> = {
    id: () => idOf[field.name],
    name: () => nameOf[field.name] ?? f.alias,
    project: () => f.project,
    projects: () => [f.project],
    role: () => 'reader',
    executionId: () => f.execution,
    datumId: () => f.datum,
    target: () => f.datum,
    targets: () => [f.datum],
    datumIds: () => [f.datum],
    ids: () => [f.execution],
    // lineagePaths from the training input to the model; lineageDiff of two datums
    from: () => f.input,
    to: () => f.datum,
    a: () => f.datum,
    b: () => f.input,
    tags: () => ['matrix-tag'],
    metadata: () => ({ 'matrix.key': 1 }),
    properties: () => ({ 'matrix.key': 2 }),
    items: () => [{ datumId: f.datum, properties: { 'matrix.key': 3 } }],
    inputs: () => [{ datumId: f.input, inputName: 'matrix' }],
    outputs: () => [{ path: 'matrix/out.bin', size: 1, sha256: sha('matrix-out') }],
    files: () => [{ path: 'matrix/ingested.bin', size: 1, sha256: sha('matrix-in'), sidecar: { 'matrix.ingested': true } }],
    input: () => ({ project: f.project, name: 'matrix-run', kind: 'STEP' }),
    model: () => f.model,
    dataset: () => f.dataset,
    version: () => fresh('v'),
    status: () => 'COMPLETED',
    url: () => 'https://203.0.113.10/matrix-hook',
    types: () => ['alias.deleted'],
    webhookId: () => f.webhook,
    // optional arguments worth setting: lists narrowed to the fixture's project, an alias
    // left movable, a lineage small enough for the cost limit with every field selected
    filter: () =>
      field.name === 'auditLog' ? { targetId: f.datum }
      // a lineage filter with a data predicate: hidden nodes must tell nothing either
      : field.name.startsWith('lineage') ? { metadata: [{ key: 'accuracy', gte: 0 }] }
      : { project: f.project },
    protected: () => false,
    // the cost estimate counts the whole answer once per item of `limit`
    limit: () => (field.name === 'impact' ? 10 : 50),
  };
  const args: Record<string, unknown> = {};
  for (const arg of field.args) {
    const value = byName[arg.name]?.();
    if (value === undefined && isNonNullType(arg.type) && arg.defaultValue === undefined) {
      throw new Error(`No value for ${field.name}(${arg.name}): describe it in argsFor`);
    }
    if (value !== undefined) args[arg.name] = value;
  }
  return args;
}

/**
 * Every field the type offers that needs no argument, three levels deep; interfaces and
 * unions through each member, whose fields get the member's name as alias (members may
 * share a field name with different types, which one selection set cannot ask for).
 */
function selection(type: GraphQLType, depth: number, member = false): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (depth === 0) return '{ __typename }';
  if (isAbstractType(named)) {
    const members = schema.getPossibleTypes(named).map((t) => `... on ${t.name} ${selection(t, depth - 1, true)}`);
    return `{ __typename ${members.join(' ')} }`;
  }
  const object = named as GraphQLObjectType;
  // nested lists ask for a few items each: at their default sizes, three levels of every
  // list would be past the cost limit (which counts each list's `first`)
  const fields = Object.values(object.getFields())
    .filter((f) => f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined))
    .map((f) => `${member ? `${object.name}_${f.name}: ` : ''}${f.name}${f.args.some((a) => a.name === 'first') ? '(first: 3)' : ''} ${selection(f.type, depth - 1)}`);
  return `{ ${fields.join(' ')} }`;
}

function request(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, f: Fixture) {
  const variables = argsFor(field, f);
  const declared = field.args.filter((a) => a.name in variables);
  const header = declared.length ? `(${declared.map((a) => `$${a.name}: ${a.type}`).join(', ')})` : '';
  const passed = declared.length ? `(${declared.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  return { query: `${kind}${header} { ${field.name}${passed} ${selection(field.type, 3)} }`, variables };
}

/** Strings and ids of project alpha, from the database itself. */
async function alphaData() {
  const rows = (await cypher("MATCH (n) WHERE n.project = 'alpha' RETURN n.id AS id, properties(n) AS p")).records;
  const ids = new Set<string>(rows.map((r) => r.get('id')));
  const strings = new Set<string>();
  for (const r of rows) for (const v of Object.values(r.get('p') as Record<string, unknown>)) if (typeof v === 'string' && v.includes(SECRET)) strings.add(v);
  return { ids, strings };
}

/** Everything stored about alpha, to prove a refused mutation changed nothing there. */
async function alphaFingerprint(): Promise<string> {
  const nodes = await cypher("MATCH (n) WHERE n.project = 'alpha' RETURN n.id AS id, properties(n) AS p ORDER BY id");
  const rels = await cypher("MATCH (n)-[r]-(m) WHERE n.project = 'alpha' RETURN n.id AS a, type(r) AS t, m.id AS b, properties(r) AS p ORDER BY a, t, b");
  return JSON.stringify([nodes.records.map((r) => r.toObject()), rels.records.map((r) => r.toObject())]);
}

/** Keys a redacted lineage node may show: its id and kind, and where it sits in the walk. */
const REDACTED_KEYS = new Set(['id', 'kind', 'redacted', 'distance', 'frontier', 'node', '__typename']);

/**
 * Fails when `result` shows anything of alpha the request did not itself name: a string of
 * alpha's, or an alpha id outside a redacted lineage node, an edge's endpoints or the
 * hidden hops of a DERIVED edge (ids a redacted node shows anyway).
 */
function assertNoLeak(result: GqlResult, sent: string, alphaIds: Set<string>, alphaStrings: Set<string>, where: string) {
  const text = JSON.stringify(result);
  for (const s of alphaStrings) if (!sent.includes(s) && text.includes(s)) throw new Error(`${where} leaked '${s}': ${text.slice(0, 500)}`);
  const visit = (value: unknown, key: string | null, inRedacted: boolean): void => {
    if (Array.isArray(value)) return value.forEach((v) => visit(v, key, inRedacted));
    if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      const redacted = object.redacted === true;
      if (redacted) {
        const extra = Object.keys(object).filter((k) => !REDACTED_KEYS.has(k) || (k === 'node' && object.node !== null));
        if (extra.length) throw new Error(`${where}: a redacted node shows ${extra.join(', ')}`);
      }
      for (const [k, v] of Object.entries(object)) visit(v, k, redacted);
      return;
    }
    if (typeof value === 'string' && alphaIds.has(value) && !sent.includes(value) && !inRedacted && key !== 'from' && key !== 'to' && key !== 'via') {
      throw new Error(`${where} leaked alpha's id ${value} under '${key}': ${text.slice(0, 500)}`);
    }
  };
  visit(result, null, false);
}

const rootFields = (kind: 'query' | 'mutation') => Object.values((kind === 'query' ? schema.getQueryType() : schema.getMutationType())!.getFields());

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  schema = buildSchema();
  alpha = await makeProject('alpha', SECRET, 1);
  beta = await makeProject('beta', 'beta', 2);
  // beta's training read alpha's model: lineage crosses into a project beta's tokens cannot read
  await api.ok(`mutation($e: ID!, $d: ID!) { recordInputs(executionId: $e, inputs: [{datumId: $d, inputName: "${SECRET}-edge"}]) { id } }`, { e: beta.execution, d: alpha.datum });
  // nothing a beta token does may change alpha, so alpha is read once and compared against
  alphaSecrets = await alphaData();
  alphaBefore = await alphaFingerprint();
  for (const role of ROLES) {
    tokens[role] = (await api.ok(`mutation($r: Role!) { createToken(name: "beta-${role}", role: $r, projects: ["beta"]) { token } }`, { r: role })).createToken.token;
  }
}, 120_000);
afterAll(() => api.close());

describe('project isolation', () => {
  it('redacts lineage that crosses into another project to id and kind', async () => {
    const result = await api.gql(
      `query($id: ID!) { lineage(id: $id, direction: UPSTREAM, depth: 3) { nodes { id kind redacted node { id ... on Datum { path } ... on Execution { name } } } edges { from to type inputName } } }`,
      { id: beta.datum },
      `Bearer ${tokens.reader}`,
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data.lineage.nodes as Array<{ id: string; kind: string; redacted: boolean; node: unknown }>;
    const { ids, strings } = alphaSecrets;
    const hidden = nodes.filter((n) => n.redacted);
    expect(hidden.map((n) => n.id)).toEqual(expect.arrayContaining([alpha.datum, alpha.execution, alpha.input]));
    expect(nodes.filter((n) => ids.has(n.id))).toEqual(hidden);
    for (const n of hidden) expect(n.node).toBeNull();
    expect(nodes.find((n) => n.id === beta.execution)).toMatchObject({ redacted: false, node: { name: 'beta-train' } });
    const crossing = result.data.lineage.edges.find((e: { from: string }) => e.from === alpha.datum);
    expect(crossing).toMatchObject({ to: beta.execution, type: 'CONSUMED_BY', inputName: null });
    assertNoLeak(result, '', ids, strings, 'lineage');
    // the same walk for a token of every project shows everything
    const full = await api.gql(`query($id: ID!) { lineage(id: $id, direction: UPSTREAM, depth: 3) { nodes { redacted } } }`, { id: beta.datum });
    expect(full.data.lineage.nodes.every((n: { redacted: boolean }) => !n.redacted)).toBe(true);
  });

  it('refuses a statement that forgot the project predicate, instead of running it', async () => {
    const { Executor } = await import('../../src/db/executor.js');
    const { createDriver } = await import('../../src/db/driver.js');
    const { loadConfig } = await import('../../src/config.js');
    const config = loadConfig();
    const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
    try {
      const scoped = new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 5000, scope: ['beta'] });
      await expect(scoped.query({ cypher: 'MATCH (n:Datum) RETURN n' })).rejects.toThrow(/without the project predicate/);
      await expect(scoped.query({ cypher: 'MATCH (n:Datum {project: $project}) RETURN n', params: { project: 'alpha' } })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      const rows = await scoped.query({ cypher: 'MATCH (n:Datum) RETURN n ORDER BY n.path', global: 'test: every node, to see how they arrive' });
      const shown = rows.map((r) => r.n);
      expect(shown.filter((n) => n.redacted)).toHaveLength(2);
      for (const n of shown.filter((n) => n.redacted)) expect(Object.keys(n).sort()).toEqual(['id', 'labels', 'redacted']);
    } finally {
      await driver.close();
    }
  });
});

describe.each(['query', 'mutation'] as const)('every %s of the schema, as tokens of project beta', (kind) => {
  // Queries first, then mutations: a mutation's own-project run may change what later ones see.
  it.each(ROLES)('answers a %s as its role and project allow, and never shows alpha', async (role) => {
    const header = `Bearer ${tokens[role]}`;
    const fields = rootFields(kind);
    expect(fields.length).toBeGreaterThan(kind === 'query' ? 12 : 20);
    const problems: string[] = [];
    for (const field of fields) {
      const needed = requiredRole(kind, field.name);
      const allowed = ROLES.indexOf(role) >= ROLES.indexOf(needed);
      for (const target of [alpha, beta]) {
        const where = `${role} ${kind} ${field.name} on ${target.project}`;
        const { ids, strings } = alphaSecrets;
        const { query, variables } = request(kind, field, target);
        const result = await api.gql(query, variables, header);
        const code = errorCode(result);
        const sent = JSON.stringify(variables);
        // a field without arguments answers the same whoever's project the fixture is
        const aimed = Object.keys(variables).length > 0;
        try {
          assertNoLeak(result, sent, ids, strings, where);
        } catch (error) {
          problems.push((error as Error).message);
        }
        if (result.errors?.some((e) => !e.extensions?.code || ['INTERNAL_SERVER_ERROR', 'GRAPHQL_VALIDATION_FAILED'].includes(e.extensions.code))) {
          problems.push(`${where}: not a coded refusal: ${JSON.stringify(result.errors).slice(0, 500)}`);
        }
        if (!allowed) {
          if (code !== 'FORBIDDEN') problems.push(`${where}: expected FORBIDDEN for the role, got ${code ?? 'data'}`);
        } else if (target === beta) {
          if (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') problems.push(`${where}: refused its own project: ${JSON.stringify(result.errors)}`);
          if (kind === 'query' && (result.errors || result.data?.[field.name] == null)) problems.push(`${where}: no answer: ${JSON.stringify(result)}`);
        } else if (aimed) {
          const value = result.data?.[field.name];
          const empty = value == null || (Array.isArray(value?.edges) && value.edges.length === 0);
          if (!['FORBIDDEN', 'NOT_FOUND'].includes(code) && !empty) problems.push(`${where}: answered about alpha: ${JSON.stringify(result).slice(0, 300)}`);
        }
        if (kind === 'mutation' && target === alpha && (await alphaFingerprint()) !== alphaBefore) problems.push(`${where}: changed project alpha`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

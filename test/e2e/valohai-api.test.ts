import { cypher, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

/**
 * Valohai's datum metadata endpoints, called as a script written for Valohai's API calls
 * them (`Authorization: Token …`, Valohai's bodies and paths), with what they wrote read
 * back through GraphQL.
 */

let api: TestApi;
/** Tokens confined to the project `valohai`. */
const tokens = { writer: '', reader: '' };
/** Datums of `valohai`, and one of a project the tokens cannot see. */
let datums: string[];
let hidden: string;

const METADATA = 'query($id: ID!) { datum(id: $id) { metadata { key group value } tags { name } aliases { name } } }';

async function outputs(project: string, names: string[]): Promise<string[]> {
  const execution = (await api.ok('mutation($p: String!) { createExecution(input: {project: $p, name: "train"}) { id } }', { p: project })).createExecution.id;
  const recorded = await api.ok('mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }', {
    e: execution,
    o: names.map((path) => ({ path, size: 1, sha256: sha(`${project}/${path}`) })),
  });
  return recorded.recordOutputs.map((d: { id: string }) => d.id);
}

async function token(name: string, role: string): Promise<string> {
  return (await api.ok('mutation($n: String!, $r: Role!) { createToken(name: $n, role: $r, projects: ["valohai"]) { token } }', { n: name, r: role })).createToken.token;
}

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  datums = await outputs('valohai', ['model.pkl', 'train.csv', 'test.csv']);
  [hidden] = await outputs('elsewhere', ['secret.pkl']);
  tokens.writer = await token('valohai-script', 'writer');
  tokens.reader = await token('valohai-reader', 'reader');
}, 60_000);
afterAll(() => api?.close());

/** A POST as Valohai's documentation shows it: JSON body, `Token` authorization. */
function post(path: string, body: unknown, authorization: string | null = `Token ${tokens.writer}`, headers: Record<string, string> = {}) {
  return fetch(`${api.url}/api/v0${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function answer(response: Response) {
  return { status: response.status, body: await response.json() };
}

const current = async (id: string) => (await api.ok(METADATA, { id })).datum;
const valueOf = (datum: { metadata: Array<{ key: string; group: string | null; value: unknown }> }, key: string, group: string | null = null) =>
  datum.metadata.find((m) => m.key === key && m.group === group)?.value;

/** Everything but tokens (a request marks its token used): a refused request must change none of it. */
async function graph() {
  const nodes = await cypher('MATCH (n) WHERE NOT n:Token RETURN count(n) AS n');
  const rels = await cypher('MATCH (a)-[r]->(b) WHERE NOT a:Token AND NOT b:Token RETURN count(r) AS n');
  return { nodes: Number(nodes.records[0].get('n')), relationships: Number(rels.records[0].get('n')) };
}

/** Sends a request that must be refused, and checks that it wrote nothing (no metadata, no audit entry). */
async function refused(request: () => Promise<Response>) {
  const before = await graph();
  const result = await answer(await request());
  expect(await graph()).toEqual(before);
  return result;
}

const error = (body: any) => body.errors[0];

describe('POST /api/v0/data/{datum_id}/metadata/', () => {
  it('applies the metadata object in the body to the datum: values, valohai.tags and valohai.alias', async () => {
    const properties = { chocolate: 'bar', coffee: 2, sheeps: ['fluffy', 'white'], model_metrics: { accuracy: 0.97 }, 'valohai.tags': ['tag1', 'tag2'], 'valohai.alias': 'datum-alias-custom' };
    const { status, body } = await answer(await post(`/data/${datums[0]}/metadata/`, properties));
    expect(status).toBe(200);
    expect(body.datum_id).toBe(datums[0]);
    expect([...body.keys].sort()).toEqual(['chocolate', 'coffee', 'model_metrics.accuracy', 'sheeps']);

    const datum = await current(datums[0]);
    expect(valueOf(datum, 'chocolate')).toBe('bar');
    expect(valueOf(datum, 'coffee')).toBe(2);
    expect(valueOf(datum, 'sheeps')).toEqual(['fluffy', 'white']);
    expect(valueOf(datum, 'accuracy', 'model_metrics')).toBe(0.97);
    expect(datum.tags.map((t: { name: string }) => t.name).sort()).toEqual(['tag1', 'tag2']);
    expect(datum.aliases).toEqual([{ name: 'datum-alias-custom' }]);
  });

  it('takes the path without its trailing slash too, and a Bearer token', async () => {
    const { status } = await answer(await post(`/data/${datums[0]}/metadata`, { sigma: 0.1 }, `Bearer ${tokens.writer}`));
    expect(status).toBe(200);
    expect(valueOf(await current(datums[0]), 'sigma')).toBe(0.1);
  });

  it('refuses a bad value with 400 and the key at fault as the field, writing nothing', async () => {
    const { status, body } = await refused(() => post(`/data/${datums[1]}/metadata/`, { fine: 1, size: { $type: 'StorageSize', value: 'lots' } }));
    expect(status).toBe(400);
    expect(error(body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'size' });
    expect(error(body).message).toMatch(/^Invalid metadata: size: /);
    expect(valueOf(await current(datums[1]), 'fine')).toBeUndefined();
  });

  it('refuses a body that is not a JSON object', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['[1, 2]', {}],
      ['{"a": 1}', { 'content-type': 'text/plain' }],
    ];
    for (const [body, headers] of cases) {
      const { status, body: answered } = await refused(() => post(`/data/${datums[1]}/metadata/`, body, undefined, headers));
      expect(status).toBe(400);
      expect(error(answered).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'body' });
      expect(error(answered).message).toMatch(/JSON object sent as Content-Type: application\/json/);
    }
  });

  it('answers an unknown datum with 404 naming datum_id', async () => {
    const { status, body } = await refused(() => post('/data/00000000-0000-0000-0000-000000000000/metadata/', { a: 1 }));
    expect(status).toBe(404);
    expect(error(body).extensions).toEqual({ code: 'NOT_FOUND', field: 'datum_id' });
  });

  it("answers another project's datum with 404, as if it did not exist", async () => {
    const { status, body } = await refused(() => post(`/data/${hidden}/metadata/`, { leaked: 1 }));
    expect(status).toBe(404);
    expect(error(body).extensions.code).toBe('NOT_FOUND');
    expect(error(body).message).not.toMatch(/elsewhere|secret/);
  });

  it('answers another method with 405 and Allow: POST', async () => {
    const response = await fetch(`${api.url}/api/v0/data/${datums[0]}/metadata/`, { headers: { authorization: `Token ${tokens.writer}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(error(await response.json()).extensions.code).toBe('BAD_REQUEST');
  });
});

describe('POST /api/v0/data/metadata/apply/', () => {
  it('applies each properties object to the datum it is keyed by', async () => {
    const payload = {
      datum_metadata: {
        [datums[1]]: { metaC: 123456789 },
        [datums[2]]: { metaC: 23456789, 'valohai.tags': ['tag3', 'tag4'], 'valohai.alias': 'production-alias' },
      },
    };
    const { status, body } = await answer(await post('/data/metadata/apply/', payload));
    expect(status).toBe(200);
    expect(body).toEqual({ applied: [{ datum_id: datums[1], keys: ['metaC'] }, { datum_id: datums[2], keys: ['metaC'] }] });

    const [one, two] = [await current(datums[1]), await current(datums[2])];
    expect(valueOf(one, 'metaC')).toBe(123456789);
    expect(one.tags).toEqual([]);
    expect(valueOf(two, 'metaC')).toBe(23456789);
    expect(two.tags.map((t: { name: string }) => t.name).sort()).toEqual(['tag3', 'tag4']);
    expect(two.aliases).toEqual([{ name: 'production-alias' }]);
  });

  it('refuses bad metadata with the field named by datum id, writing nothing for any datum', async () => {
    const { status, body } = await refused(() =>
      post('/data/metadata/apply/', { datum_metadata: { [datums[1]]: { good: 1 }, [datums[2]]: { 'valohai.tags': 'not-a-list' } } }),
    );
    expect(status).toBe(400);
    expect(error(body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: `datum_metadata.${datums[2]}.valohai.tags` });
    expect(error(body).extensions.problems).toHaveLength(1);
  });

  it('answers an unknown datum among known ones with 404 naming it, writing nothing', async () => {
    const ghost = '00000000-0000-0000-0000-000000000001';
    const { status, body } = await refused(() => post('/data/metadata/apply/', { datum_metadata: { [datums[1]]: { good: 2 }, [ghost]: { good: 2 } } }));
    expect(status).toBe(404);
    expect(error(body).extensions).toEqual({ code: 'NOT_FOUND', field: `datum_metadata.${ghost}` });
  });

  it("answers another project's datum with 404", async () => {
    const { status } = await refused(() => post('/data/metadata/apply/', { datum_metadata: { [datums[1]]: { good: 3 }, [hidden]: { leaked: 1 } } }));
    expect(status).toBe(404);
  });

  it('refuses a misspelt or missing field rather than ignoring it', async () => {
    const misspelt = await refused(() => post('/data/metadata/apply/', { datum_metadata: { [datums[1]]: { good: 4 } }, datum_metadta: {} }));
    expect(misspelt.status).toBe(400);
    expect(error(misspelt.body).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'datum_metadta' });
    const missing = await refused(() => post('/data/metadata/apply/', {}));
    expect(missing.status).toBe(400);
    expect(error(missing.body).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'datum_metadata' });
    const list = await refused(() => post('/data/metadata/apply/', { datum_metadata: [{ [datums[1]]: { good: 4 } }] }));
    expect(list.status).toBe(400);
    expect(error(list.body).message).toBe('datum_metadata must be a JSON object, got a list');
  });
});

describe('POST /api/v0/data/metadata/apply-all/', () => {
  it('applies the one metadata object to every datum listed', async () => {
    const { status, body } = await answer(await post('/data/metadata/apply-all/', { datum_ids: [datums[1], datums[2]], metadata: { split: 'holdout', 'valohai.tags': ['batch'] } }));
    expect(status).toBe(200);
    expect(body).toEqual({ applied: [{ datum_id: datums[1], keys: ['split'] }, { datum_id: datums[2], keys: ['split'] }] });
    for (const id of [datums[1], datums[2]]) {
      const datum = await current(id);
      expect(valueOf(datum, 'split')).toBe('holdout');
      expect(datum.tags.map((t: { name: string }) => t.name)).toContain('batch');
    }
  });

  it('says a problem of the one metadata object once, as metadata.<key>', async () => {
    const { status, body } = await refused(() => post('/data/metadata/apply-all/', { datum_ids: datums, metadata: { ok: 1, 'valohai.tags': 'not-a-list' } }));
    expect(status).toBe(400);
    expect(error(body).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metadata.valohai.tags' });
    expect(error(body).extensions.problems).toHaveLength(1);
  });

  it('answers an unknown datum with 404 naming its place in datum_ids, writing nothing for the others', async () => {
    const { status, body } = await refused(() => post('/data/metadata/apply-all/', { datum_ids: [datums[1], 'nope'], metadata: { ok: 2 } }));
    expect(status).toBe(404);
    expect(error(body).extensions).toEqual({ code: 'NOT_FOUND', field: 'datum_ids.1' });
  });

  it("answers another project's datum with 404", async () => {
    const { status } = await refused(() => post('/data/metadata/apply-all/', { datum_ids: [hidden], metadata: { leaked: 1 } }));
    expect(status).toBe(404);
  });

  it('refuses datum_ids that are not a list of ids, an empty list, an unknown field and metadata nested too deep', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ datum_ids: datums[1], metadata: {} }, 'datum_ids', 'datum_ids must be a list of datum ids, got a string'],
      [{ datum_ids: [datums[1], 7], metadata: {} }, 'datum_ids.1', 'datum_ids.1 must be a datum id (a string), got a number'],
      [{ datum_ids: [], metadata: { a: 1 } }, 'datum_ids', 'datum_ids must list at least 1 item(s)'],
      [{ datum_ids: [datums[1]], properties: { a: 1 } }, 'properties', "Unknown field 'properties'; the body is {\"datum_ids\": ..., \"metadata\": ...}"],
      [{ datum_ids: [datums[1]], metadata: JSON.parse('{"a":'.repeat(101) + '1' + '}'.repeat(101)) }, 'metadata', 'metadata: JSON values may nest at most 100 levels of objects and lists'],
    ];
    for (const [payload, field, message] of cases) {
      const { status, body } = await refused(() => post('/data/metadata/apply-all/', payload));
      expect({ status, field: error(body).extensions.field, message: error(body).message }).toEqual({ status: 400, field, message });
    }
  });
});

describe('access, as for the GraphQL mutations', () => {
  const requests = () => [
    () => post(`/data/${datums[1]}/metadata/`, { denied: 1 }, `Token ${tokens.reader}`),
    () => post('/data/metadata/apply/', { datum_metadata: { [datums[1]]: { denied: 1 } } }, `Token ${tokens.reader}`),
    () => post('/data/metadata/apply-all/', { datum_ids: [datums[1]], metadata: { denied: 1 } }, `Token ${tokens.reader}`),
  ];

  it('answers a reader with 403 naming the writer role, and writes nothing', async () => {
    for (const request of requests()) {
      const { status, body } = await refused(request);
      expect(status).toBe(403);
      expect(error(body).extensions).toEqual({ code: 'FORBIDDEN', required: 'writer' });
      expect(error(body).message).toMatch(/^POST \/api\/v0\/data\/.* needs the writer role; this token is reader$/);
    }
  });

  it('answers a missing or unknown token with 401 and WWW-Authenticate', async () => {
    for (const authorization of [null, 'Token pdg_not-a-real-token']) {
      const response = await post(`/data/${datums[1]}/metadata/`, { denied: 1 }, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer, Token');
      expect(error(await response.json()).extensions).toEqual({ code: 'UNAUTHENTICATED' });
    }
  });

  it('records each call in the audit log under the token principal, as the GraphQL mutation it is', async () => {
    await post(`/data/${datums[0]}/metadata/`, { audited: 1 });
    await post('/data/metadata/apply/', { datum_metadata: { [datums[1]]: { audited: 2 } } });
    await post('/data/metadata/apply-all/', { datum_ids: [datums[2]], metadata: { audited: 3 } });
    const { auditLog } = await api.ok('{ auditLog(filter: {principal: "valohai-script"}, first: 3) { edges { node { principal operation targetId summary } } } }');
    const entries = auditLog.edges.map((e: { node: any }) => e.node).reverse();
    expect(entries.map((e: any) => [e.principal, e.operation])).toEqual([
      ['valohai-script', 'applyMetadata'],
      ['valohai-script', 'applyMetadataBatch'],
      ['valohai-script', 'applyMetadataAll'],
    ]);
    expect(entries[0].targetId).toBe(datums[0]);
    expect(entries[2].targetId).toBe(datums[2]);
    expect(JSON.parse(entries[1].summary)).toEqual({ items: [{ datumId: datums[1], properties: { audited: 2 } }] });
  });
});

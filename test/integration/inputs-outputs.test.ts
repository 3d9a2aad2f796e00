import { cypher, errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
const CREATE = `mutation($p: String!) { createExecution(input: {project: $p, name: "step"}) { id } }`;
const OUTPUTS = `mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id uri path size sha256 } }`;
const INPUTS = `mutation($id: ID!, $i: [InputRef!]!) { recordInputs(executionId: $id, inputs: $i) { id } }`;
const newExecution = async (project = 'io') => (await api.ok(CREATE, { p: project })).createExecution.id as string;
const output = (path: string, extra: object = {}) => ({ path, size: 5, sha256: sha(path), ...extra });

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
});
afterAll(() => api.close());

describe('recordOutputs', () => {
  it('keeps subfolders in the path, assigns datum:// URIs and is idempotent on (path, sha256)', async () => {
    const id = await newExecution();
    const first = (await api.ok(OUTPUTS, { id, o: [output('subdir/sub2/file.txt'), output('top.txt')] })).recordOutputs;
    expect(first[0]).toMatchObject({ path: 'subdir/sub2/file.txt', size: 5, uri: `datum://${first[0].id}` });
    const again = (await api.ok(OUTPUTS, { id, o: [output('top.txt'), output('subdir/sub2/file.txt'), output('top.txt')] })).recordOutputs;
    expect(again.map((d: { id: string }) => d.id)).toEqual([first[1].id, first[0].id, first[1].id]);
    const changed = (await api.ok(OUTPUTS, { id, o: [{ ...output('top.txt'), sha256: sha('changed') }] })).recordOutputs;
    expect(changed[0].id).not.toBe(first[1].id);
    const { records } = await cypher('MATCH (d:Datum)-[:PRODUCED_BY]->(:Execution {id: $id}) RETURN count(d) AS n', { id });
    expect(records[0].get('n').toNumber()).toBe(3);
  });

  it('keeps sizes exact past 2^53', async () => {
    const id = await newExecution();
    const [d] = (await api.ok(OUTPUTS, { id, o: [{ ...output('huge.bin'), size: '9007199254740993' }] })).recordOutputs;
    expect(d.size).toBe('9007199254740993');
  });

  it('gives an external output its URI and refuses a second producer for it', async () => {
    const a = await newExecution();
    const b = await newExecution();
    const [d] = (await api.ok(OUTPUTS, { id: a, o: [output('model.pkl', { uri: 's3://bucket/model.pkl' })] })).recordOutputs;
    expect(d.uri).toBe('s3://bucket/model.pkl');
    const clash = await api.gql(OUTPUTS, { id: b, o: [output('model.pkl', { uri: 's3://bucket/model.pkl' })] });
    expect(errorCode(clash)).toBe('CONFLICT');
    expect(clash.errors![0].extensions!.field).toBe('outputs.0.uri');
  });

  it('writes nothing when one output of the batch is bad', async () => {
    const id = await newExecution();
    const result = await api.gql(OUTPUTS, { id, o: [output('ok.txt'), { ...output('bad.txt'), sha256: 'xyz' }] });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.field).toBe('outputs.1.sha256');
    const { records } = await cypher('MATCH (d:Datum {path: "ok.txt"}) RETURN count(d) AS n');
    expect(records[0].get('n').toNumber()).toBe(0);
  });
});

describe('recordInputs', () => {
  it('resolves datum://<alias> at record time and keeps the alias name on the edge', async () => {
    const writer = await newExecution();
    const [v1, v2] = (await api.ok(OUTPUTS, { id: writer, o: [output('m1.pkl'), output('m2.pkl')] })).recordOutputs;
    await api.ok(`mutation($d: ID!) { setAlias(project: "io", name: "model-prod", datumId: $d) { name } }`, { d: v1.id });
    const reader1 = await newExecution();
    expect((await api.ok(INPUTS, { id: reader1, i: [{ uri: 'datum://model-prod', inputName: 'model' }] })).recordInputs).toEqual([{ id: v1.id }]);
    await api.ok(`mutation($d: ID!, $e: ID!) { setAlias(project: "io", name: "model-prod", datumId: $d, expectedDatumId: $e) { target { id } } }`, { d: v2.id, e: v1.id });
    const reader2 = await newExecution();
    await api.ok(INPUTS, { id: reader2, i: [{ uri: 'datum://model-prod', inputName: 'model' }] });
    const READS = `query($id: ID!) { execution(id: $id) { reads { inputName alias node { id } } } }`;
    expect((await api.ok(READS, { id: reader1 })).execution.reads).toEqual([{ inputName: 'model', alias: 'model-prod', node: { id: v1.id } }]);
    expect((await api.ok(READS, { id: reader2 })).execution.reads).toEqual([{ inputName: 'model', alias: 'model-prod', node: { id: v2.id } }]);
    const { datum } = await api.ok(`{ datum(uri: "datum://model-prod") { id aliases { name } consumers { id } } }`);
    expect(datum).toEqual({ id: v2.id, aliases: [{ name: 'model-prod' }], consumers: [{ id: reader2 }] });
  });

  it('accepts datum ids, datum://<id> and external URIs, and records the same input once', async () => {
    const writer = await newExecution();
    const [d] = (await api.ok(OUTPUTS, { id: writer, o: [output('in.csv')] })).recordOutputs;
    const reader = await newExecution();
    const refs = [{ datumId: d.id, inputName: 'a' }, { uri: `datum://${d.id}`, inputName: 'a' }, { uri: 'gs://bucket/raw.csv' }];
    const read = (await api.ok(INPUTS, { id: reader, i: refs })).recordInputs;
    expect(read[0].id).toBe(d.id);
    await api.ok(INPUTS, { id: reader, i: refs });
    const { execution } = await api.ok(`query($id: ID!) { execution(id: $id) { reads { inputName node { ... on Datum { uri external } } } } }`, { id: reader });
    expect(execution.reads).toEqual([
      { inputName: 'a', node: { uri: `datum://${d.id}`, external: false } },
      { inputName: 'input', node: { uri: 'gs://bucket/raw.csv', external: true } },
    ]);
  });

  it('writes nothing when one input cannot be resolved, and names it', async () => {
    const reader = await newExecution();
    const result = await api.gql(INPUTS, { id: reader, i: [{ uri: 's3://new/object.csv' }, { uri: 'datum://no-such-alias' }] });
    expect(errorCode(result)).toBe('NOT_FOUND');
    expect(result.errors![0].message).toBe("Alias in project 'io' 'datum://no-such-alias' not found");
    expect(result.errors![0].extensions!.field).toBe('inputs.1');
    const { records } = await cypher('MATCH (d:Datum {uri: "s3://new/object.csv"}) RETURN count(d) AS n');
    expect(records[0].get('n').toNumber()).toBe(0);
  });

  it('rejects a reference with both or neither of datumId and uri', async () => {
    const reader = await newExecution();
    const result = await api.gql(INPUTS, { id: reader, i: [{ inputName: 'x' }] });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.field).toBe('inputs.0');
  });
});

describe('execution life cycle and aliases', () => {
  it('moves QUEUED -> RUNNING -> COMPLETED and refuses to reopen a finished execution', async () => {
    const id = await newExecution();
    const started = await api.ok(`mutation($id: ID!) { startExecution(id: $id) { status startedAt } }`, { id });
    expect(started.startExecution.status).toBe('RUNNING');
    const done = await api.ok(`mutation($id: ID!) { finishExecution(id: $id, status: COMPLETED) { status endedAt duration } }`, { id });
    expect(done.finishExecution.status).toBe('COMPLETED');
    expect(done.finishExecution.duration).toBeGreaterThanOrEqual(0);
    const again = await api.gql(`mutation($id: ID!) { finishExecution(id: $id, status: FAILED) { status } }`, { id });
    expect(errorCode(again)).toBe('CONFLICT');
    expect(again.errors![0].message).toBe(`Execution '${id}' is COMPLETED; it can go to FAILED only from QUEUED or RUNNING or FAILED`);
    expect(errorCode(await api.gql(`mutation { startExecution(id: "missing") { id } }`))).toBe('NOT_FOUND');
  });

  it('compare-and-set on an alias fails with CONFLICT when it moved meanwhile', async () => {
    const writer = await newExecution();
    const [a, b] = (await api.ok(OUTPUTS, { id: writer, o: [output('a.bin'), output('b.bin')] })).recordOutputs;
    await api.ok(`mutation($d: ID!) { setAlias(project: "io", name: "cas", datumId: $d) { name } }`, { d: a.id });
    const stale = await api.gql(`mutation($d: ID!, $e: ID!) { setAlias(project: "io", name: "cas", datumId: $d, expectedDatumId: $e) { name } }`, { d: b.id, e: b.id });
    expect(errorCode(stale)).toBe('CONFLICT');
    const { alias } = await api.ok(`{ alias(project: "io", name: "cas") { target { id } updatedBy protected } }`);
    expect(alias).toEqual({ target: { id: a.id }, updatedBy: 'admin', protected: false });
    expect((await api.ok(`mutation { deleteAlias(project: "io", name: "cas") }`)).deleteAlias).toBe(true);
    expect((await api.ok(`{ alias(project: "io", name: "cas") { name } }`)).alias).toBeNull();
  });

  it('maps a uniqueness violation to CONFLICT and numbers model versions in order', async () => {
    const writer = await newExecution();
    const [d] = (await api.ok(OUTPUTS, { id: writer, o: [output('w.pt')] })).recordOutputs;
    const create = `mutation($d: [ID!]!) { createDatasetVersion(project: "io", dataset: "ds", version: "v1", datumIds: $d) { uri } }`;
    expect((await api.ok(create, { d: [d.id] })).createDatasetVersion.uri).toBe('dataset://ds/v1');
    expect(errorCode(await api.gql(create, { d: [d.id] }))).toBe('CONFLICT');
    const versions = await Promise.all([1, 2, 3].map(() => api.ok(`mutation($d: [ID!]!) { createModelVersion(project: "io", model: "m", datumIds: $d) { version } }`, { d: [d.id] })));
    expect(versions.map((v) => v.createModelVersion.version).sort()).toEqual([1, 2, 3]);
    const { model } = await api.ok(`{ model(project: "io", name: "m") { versions(first: 2) { totalCount edges { node { uri } } pageInfo { hasNextPage } } } }`);
    expect(model.versions.totalCount).toBe(3);
    expect(model.versions.pageInfo.hasNextPage).toBe(true);
  });
});

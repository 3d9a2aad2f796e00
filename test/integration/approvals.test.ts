import { errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let datums: string[];
let approver: string;
let writer: string;

const as = (token: string) => `Bearer ${token}`;
const token = async (name: string, role: string) =>
  (await api.ok(`mutation($n: String!, $r: Role!) { createToken(name: $n, role: $r) { token } }`, { n: name, r: role })).createToken.token as string;
const version = async () =>
  (await api.ok(`mutation($d: [ID!]!) { createModelVersion(project: "appr", model: "fraud", datumIds: $d) { id uri status } }`, { d: [datums[0]] })).createModelVersion;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  const e = (await api.ok(`mutation { createExecution(input: {project: "appr", name: "train"}) { id } }`)).createExecution.id;
  const outputs = [0, 1].map((i) => ({ path: `model-${i}.pkl`, size: 1, sha256: sha(`appr${i}`) }));
  datums = (await api.ok(`mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`, { id: e, o: outputs })).recordOutputs.map((d: { id: string }) => d.id);
  approver = await token('reviewer', 'approver');
  writer = await token('trainer', 'writer');
});
afterAll(() => api.close());

const APPROVE = `mutation($id: ID!, $e: ModelVersionStatus, $c: String) { approveModelVersion(id: $id, expectedStatus: $e, comment: $c) { status approvals { by from to comment } } }`;
const REJECT = `mutation($id: ID!, $e: ModelVersionStatus, $c: String) { rejectModelVersion(id: $id, expectedStatus: $e, comment: $c) { status } }`;

it('starts PENDING; approving needs the approver role and keeps who, when and why', async () => {
  const v = await version();
  expect(v.status).toBe('PENDING');
  expect(errorCode(await api.gql(APPROVE, { id: v.id }, as(writer)))).toBe('FORBIDDEN');
  const done = await api.gql(APPROVE, { id: v.id, e: 'PENDING', c: 'AUC 0.91 on holdout' }, as(approver));
  expect(done.data!.approveModelVersion).toEqual({ status: 'APPROVED', approvals: [{ by: 'reviewer', from: 'PENDING', to: 'APPROVED', comment: 'AUC 0.91 on holdout' }] });
  const { model } = await api.ok(`{ model(project: "appr", name: "fraud") { latestApproved { id } } }`);
  expect(model.latestApproved.id).toBe(v.id);
  const again = await api.gql(APPROVE, { id: v.id }, as(approver));
  expect(errorCode(again)).toBe('CONFLICT');
  expect(again.errors![0].message).toBe(`${v.uri} is APPROVED; it can become APPROVED only from PENDING or REJECTED`);
});

it('lets exactly one of concurrent decisions from the same status win', async () => {
  const v = await version();
  const results = await Promise.all(
    Array.from({ length: 16 }, (_, i) => api.gql(i % 2 ? APPROVE : REJECT, { id: v.id, e: 'PENDING' }, as(approver))),
  );
  expect(results.filter((r) => !r.errors)).toHaveLength(1);
  expect(results.filter((r) => errorCode(r) === 'CONFLICT')).toHaveLength(15);
  const { modelVersion } = await api.ok(`query($id: ID!) { modelVersion(id: $id) { approvals { to } } }`, { id: v.id });
  expect(modelVersion.approvals).toHaveLength(1);
});

describe('protected aliases', () => {
  const SET = `mutation($d: ID!, $e: ID) { setAlias(project: "appr", name: "model-prod", datumId: $d, expectedDatumId: $e) { target { id } } }`;

  it('move only by an approver, and only to a datum of an APPROVED model version', async () => {
    await api.ok(SET, { d: datums[1] });
    expect(errorCode(await api.gql(`mutation { protectAlias(project: "appr", name: "model-prod") { protected } }`, {}, as(approver)))).toBe('FORBIDDEN');
    expect((await api.ok(`mutation { protectAlias(project: "appr", name: "model-prod") { protected } }`)).protectAlias.protected).toBe(true);
    const byWriter = await api.gql(SET, { d: datums[0] }, as(writer));
    expect(byWriter.errors![0].message).toBe("Moving the protected alias 'model-prod' needs the approver role; this token is writer");
    const unapproved = await api.gql(SET, { d: datums[1] }, as(approver));
    expect(errorCode(unapproved)).toBe('FORBIDDEN');
    expect((await api.gql(SET, { d: datums[0] }, as(approver))).data!.setAlias.target.id).toBe(datums[0]);
  });

  it('can be moved by the approval itself, in the same transaction', async () => {
    const e = (await api.ok(`mutation { createExecution(input: {project: "appr", name: "retrain"}) { id } }`)).createExecution.id;
    const [fresh] = (await api.ok(`mutation($id: ID!) { recordOutputs(executionId: $id, outputs: [{path: "model-2.pkl", size: 1, sha256: "${sha('appr2')}"}]) { id } }`, { id: e })).recordOutputs;
    const v = (await api.ok(`mutation($d: [ID!]!) { createModelVersion(project: "appr", model: "fraud", datumIds: $d) { id } }`, { d: [fresh.id] })).createModelVersion;
    const stale = await api.gql(`mutation($id: ID!, $x: ID) { approveModelVersion(id: $id, promote: {alias: "model-prod", expectedDatumId: $x}) { status } }`, { id: v.id, x: datums[1] }, as(approver));
    expect(errorCode(stale)).toBe('CONFLICT');
    const { modelVersion } = await api.ok(`query($id: ID!) { modelVersion(id: $id) { status } }`, { id: v.id });
    expect(modelVersion.status).toBe('PENDING');
    await api.ok(`mutation($id: ID!, $x: ID) { approveModelVersion(id: $id, promote: {alias: "model-prod", expectedDatumId: $x}, comment: "ship it") { status } }`, { id: v.id, x: datums[0] });
    const { alias } = await api.ok(`{ alias(project: "appr", name: "model-prod") { target { id } history(first: 1) { edges { node { reason } } } } }`);
    expect(alias.target.id).toBe(fresh.id);
    expect(alias.history.edges[0].node.reason).toMatch(/^approved model:\/\/fraud\/\d+: ship it$/);
  });
});

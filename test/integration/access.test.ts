import { runNode } from '../support/cli.js';
import { ADMIN_TOKEN, cliEnv, errorCode, resetDatabase, startApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
});
afterAll(() => api.close());

const create = async (name: string, role: string) =>
  (await api.ok(`mutation($n: String!, $r: Role!) { createToken(name: $n, role: $r) { token record { id name role projects } } }`, { n: name, r: role })).createToken;
const CREATE_EXECUTION = `mutation { createExecution(input: {project: "acl", name: "step"}) { id createdBy } }`;

describe('tokens', () => {
  it('refuses a request without a token, or with an unknown one, with UNAUTHENTICATED and HTTP 401', async () => {
    const none = await api.post(JSON.stringify({ query: '{ __typename }' }), { authorization: '' });
    expect(none.status).toBe(401);
    const body = await none.json();
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0].message).toMatch(/Authorization: Bearer <token>/);
    expect(errorCode(await api.gql('{ __typename }', {}, 'Bearer pdg_not_a_real_token'))).toBe('UNAUTHENTICATED');
  });

  it("accepts Valohai's `Token <token>` form as well as Bearer", async () => {
    expect((await api.gql('{ __typename }', {}, `Token ${ADMIN_TOKEN()}`)).data).toEqual({ __typename: 'Query' });
  });

  it('stores tokens hashed, never in clear', async () => {
    const { token } = await create('hash-check', 'reader');
    const { tokens } = await api.ok('{ tokens { name role } }');
    expect(tokens.map((t: { name: string }) => t.name)).toContain('hash-check');
    expect(JSON.stringify(tokens)).not.toContain(token);
  });
});

describe('roles, enforced in one place', () => {
  it('lets a reader read but not write, and says which role is needed', async () => {
    const reader = await create('notebook', 'reader');
    expect((await api.gql('{ datums { totalCount } }', {}, `Bearer ${reader.token}`)).data).toEqual({ datums: { totalCount: 0 } });
    const write = await api.gql(CREATE_EXECUTION, {}, `Bearer ${reader.token}`);
    expect(errorCode(write)).toBe('FORBIDDEN');
    expect(write.errors![0].message).toBe('Mutation.createExecution needs the writer role; this token is reader');
  });

  it('lets a writer record under its own name but not manage tokens', async () => {
    const writer = await create('pipeline-bot', 'writer');
    const done = await api.gql(CREATE_EXECUTION, {}, `Bearer ${writer.token}`);
    expect(done.data!.createExecution.createdBy).toBe('pipeline-bot');
    const escalate = await api.gql(`mutation { createToken(name: "x", role: admin) { token } }`, {}, `Bearer ${writer.token}`);
    expect(errorCode(escalate)).toBe('FORBIDDEN');
    expect(errorCode(await api.gql('{ auditLog { totalCount } }', {}, `Bearer ${writer.token}`))).toBe('FORBIDDEN');
  });

  it('stops a revoked token at once', async () => {
    const temp = await create('temporary', 'writer');
    expect((await api.gql('{ __typename }', {}, `Bearer ${temp.token}`)).errors).toBeUndefined();
    await api.ok(`mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, { id: temp.record.id });
    expect(errorCode(await api.gql('{ __typename }', {}, `Bearer ${temp.token}`))).toBe('UNAUTHENTICATED');
  });
});

describe('audit log', () => {
  it('records every mutation with principal, operation and target, in the same transaction as the change', async () => {
    const writer = await create('auditor-subject', 'writer');
    const made = await api.gql(CREATE_EXECUTION, {}, `Bearer ${writer.token}`);
    const id = made.data!.createExecution.id;
    await api.gql(`mutation($id: ID!) { startExecution(id: $id) { id } }`, { id }, `Bearer ${writer.token}`);
    await api.gql(`mutation($id: ID!) { finishExecution(id: $id, status: COMPLETED) { id } }`, { id }, `Bearer ${writer.token}`);
    const refused = await api.gql(`mutation($id: ID!) { finishExecution(id: $id, status: FAILED) { id } }`, { id }, `Bearer ${writer.token}`);
    expect(errorCode(refused)).toBe('CONFLICT');
    const { auditLog } = await api.ok(`{ auditLog(filter: {principal: "auditor-subject"}) { totalCount edges { node { principal operation targetId summary at } } } }`);
    expect(auditLog.edges.map((e: { node: { operation: string } }) => e.node.operation)).toEqual(['finishExecution', 'startExecution', 'createExecution']);
    expect(auditLog.edges[0].node).toMatchObject({ principal: 'auditor-subject', targetId: id, summary: `{"id":"${id}","status":"COMPLETED"}` });
    const byTarget = await api.ok(`query($t: ID!) { auditLog(filter: {targetId: $t, operation: "startExecution"}) { totalCount } }`, { t: id });
    expect(byTarget.auditLog.totalCount).toBe(1);
  });
});

describe('pedigree token', () => {
  const cli = (args: string[]) => runNode(['token', ...args], cliEnv(api));

  it('creates a token and prints it on the last line, lists it, and revokes it', async () => {
    const made = await cli(['create', '--role', 'writer', '--project', 'acl', '--name', 'ci-bot']);
    expect(made.code).toBe(0);
    const token = made.stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^pdg_[A-Za-z0-9_-]{43}$/);
    expect((await api.gql('{ __typename }', {}, `Bearer ${token}`)).errors).toBeUndefined();
    const listed = await cli(['list', '--json']);
    const record = JSON.parse(listed.stdout).find((t: { name: string }) => t.name === 'ci-bot');
    expect(record).toMatchObject({ role: 'writer', projects: ['acl'], revokedAt: null });
    expect((await cli(['revoke', record.id])).stdout).toContain(`Revoked ${record.id} (ci-bot)`);
    expect(errorCode(await api.gql('{ __typename }', {}, `Bearer ${token}`))).toBe('UNAUTHENTICATED');
    const bad = await cli(['create', '--role', 'superuser', '--name', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Role/);
  });
});

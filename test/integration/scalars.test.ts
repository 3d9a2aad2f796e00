import { errorCode, resetDatabase, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let executionId: string;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  executionId = (await api.ok(`mutation { createExecution(input: {project: "scalars", name: "s"}) { id } }`)).createExecution.id;
});
afterAll(() => api.close());

const sha = 'a'.repeat(64);
const cases: Array<[string, string, string, RegExp]> = [
  ['StorageSize', 'size', '-1', /StorageSize must be a non-negative integer number of bytes, got -1/],
  ['StorageSize', 'size', '"12 MB"', /StorageSize must be a non-negative integer number of bytes \(or a string of digits\), got "12 MB"/],
  ['Path', 'path', '"../etc/passwd"', /Path must not contain '\.\.' segments, got "\.\.\/etc\/passwd"/],
  ['Path', 'path', '"a//b/./c"', /Path must be normalised .*write "a\/b\/c"/],
  ['Uri', 'uri', '"no scheme here"', /Uri must be an RFC 3986 URI with a scheme/],
];

describe.each(cases)('%s %s = %s', (_type, field, literal, message) => {
  const base: Record<string, string> = { path: '"x.txt"', size: '1', sha256: `"${sha}"` };
  const fields = { ...base, [field]: literal };
  const inline = `mutation { recordOutputs(executionId: "EXEC", outputs: [{${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join(', ')}}]) { id } }`;

  it('is rejected in a query literal with BAD_USER_INPUT and its location', async () => {
    const result = await api.gql(inline.replace('EXEC', executionId));
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toMatch(message);
    expect(result.errors![0].locations).toBeDefined();
  });

  it('is rejected as a variable with BAD_USER_INPUT', async () => {
    const output = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, JSON.parse(v)]));
    const result = await api.gql(`mutation($o: [OutputInput!]!) { recordOutputs(executionId: "${executionId}", outputs: $o) { id } }`, { o: [output] });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toMatch(message);
  });
});

it('rejects a DateTime by value', async () => {
  const time = await api.gql(`{ datums(filter: {createdAfter: "yesterday"}) { totalCount } }`);
  expect(errorCode(time)).toBe('BAD_USER_INPUT');
});

it('masks unexpected failures and never sends a stack trace', async () => {
  const result = await api.gql(`{ datums(filter: {pathPrefix: "a"}) { totalCount } }`);
  expect(result.errors).toBeUndefined();
  const bad = await api.gql(`{ nosuchfield }`);
  expect(errorCode(bad)).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(JSON.stringify(bad)).not.toMatch(/stacktrace|at .*\.ts:/);
});

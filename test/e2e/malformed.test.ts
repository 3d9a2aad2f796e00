import { gzipSync } from 'node:zlib';
import { ADMIN_TOKEN, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';
import { fingerprint } from '../support/graph.js';

/**
 * A corpus of malformed and abusive requests. Each one must be refused with a coded error
 * (never an HTTP 500, never a stack trace or a file path) and must leave the database as it
 * was: the test fingerprints every node and relationship before and after each request.
 * Requests go out as raw HTTP, so the corpus also covers what a GraphQL client would never
 * send (bodies that are not JSON, wrong methods and content types, compressed garbage).
 */

interface Fixture {
  execution: string;
  datums: string[];
  modelVersion: string;
}

interface Case {
  name: string;
  /** A GraphQL request (sent as JSON), or a raw body, or a GET query string. */
  query?: string | ((f: Fixture) => string);
  variables?: (f: Fixture) => Record<string, unknown>;
  body?: string | Blob | ((f: Fixture) => string);
  get?: string;
  method?: string;
  /** Another path than /graphql: a GET, or a POST when the case has a body. */
  path?: string | ((f: Fixture) => string);
  headers?: Record<string, string>;
  status: number;
  code: string;
  message?: RegExp;
  /** A nested field refused on its own: it answers null beside the error, as GraphQL does, while its parent answers. */
  partial?: true;
}

const TEN_THOUSAND_AND_ONE = 10_001;
const big = (n: number) => 'x'.repeat(n);
const outputs = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ path: `${tag}/${i}.bin`, size: i, sha256: sha(`${tag}${i}`) }));
const RECORD_OUTPUTS = 'mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }';
const APPLY_BATCH = 'mutation($items: [DatumProperties!]!) { applyMetadataBatch(items: $items) { entries { key } } }';
const LOG = 'mutation($t: ID!, $m: JSONObject!) { logMetadata(target: $t, metadata: $m) { entries { key } } }';
const nested = (depth: number) => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
const VALOHAI_APPLY = '/api/v0/data/metadata/apply/';
const WEBHOOK = 'mutation($u: String!, $t: [String!]!) { createWebhook(project: "fuzz", url: $u, types: $t) { secret } }';
const VALOHAI_APPLY_ALL = '/api/v0/data/metadata/apply-all/';

const CASES: Case[] = [
  // --- the HTTP layer: bodies, methods, content types ---
  { name: 'truncated JSON body', body: '{"query": "{ __typename ', status: 400, code: 'BAD_USER_INPUT', message: /not valid JSON/ },
  { name: 'JSON body that is a string', body: '"{ __typename }"', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'JSON body that is null', body: 'null', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'empty body', body: '', status: 400, code: 'BAD_REQUEST' },
  { name: 'empty JSON object', body: '{}', status: 400, code: 'BAD_REQUEST' },
  { name: 'array (batched) body', body: '[{"query": "{ __typename }"}, {"query": "{ __typename }"}]', status: 400, code: 'BAD_REQUEST', message: /batching/ },
  { name: 'query that is a number', body: '{"query": 42}', status: 400, code: 'BAD_REQUEST' },
  { name: 'variables as a JSON-encoded string', body: '{"query": "{ __typename }", "variables": "{}"}', status: 400, code: 'BAD_REQUEST' },
  { name: 'variables as a list', body: '{"query": "{ __typename }", "variables": [1]}', status: 400, code: 'BAD_REQUEST' },
  { name: 'operationName that is a number', body: '{"query": "{ __typename }", "operationName": 7}', status: 400, code: 'BAD_REQUEST' },
  { name: '11 MB body', body: JSON.stringify({ query: '{ __typename }', padding: big(11 * 1024 * 1024) }), status: 413, code: 'LIMIT_EXCEEDED' },
  { name: 'text/plain content type (CSRF guard)', body: '{"query": "{ __typename }"}', headers: { 'content-type': 'text/plain' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'form-encoded body', body: 'query=%7B__typename%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'unsupported charset', body: '{"query": "{ __typename }"}', headers: { 'content-type': 'application/json; charset=latin-2' }, status: 415, code: 'BAD_REQUEST' },
  { name: 'gzip content encoding over plain text', body: '{"query": "{ __typename }"}', headers: { 'content-encoding': 'gzip' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'truncated gzip body', body: new Blob([gzipSync('{"query": "{ __typename }"}').subarray(0, 12)]), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'unknown content encoding', body: '{"query": "{ __typename }"}', headers: { 'content-encoding': 'zstd-x' }, status: 415, code: 'BAD_REQUEST' },
  { name: 'GET with a mutation', get: 'mutation { deleteAlias(project: "fuzz", name: "current") }', headers: { 'apollo-require-preflight': 'true' }, status: 405, code: 'BAD_REQUEST' },
  { name: 'GET without a CSRF preflight header', get: '{ __typename }', status: 400, code: 'BAD_REQUEST', message: /Cross-Site Request Forgery/ },
  { name: 'PUT', method: 'PUT', body: '{"query": "{ __typename }"}', status: 405, code: 'BAD_REQUEST' },
  { name: 'unknown path', path: '/graphql/../admin', method: 'GET', status: 404, code: 'NOT_FOUND' },

  // --- GraphQL documents ---
  { name: 'syntax error', query: '{ datums(first: ) }', status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'unknown field', query: '{ datums { edges { node { password } } } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'unknown argument', query: '{ datums(sortBy: "size") { totalCount } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'unknown input field', query: 'mutation { createExecution(input: {project: "fuzz", name: "x", owner: "me"}) { id } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'missing required argument', query: 'mutation { startExecution { id } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'null literal for a non-null argument', query: 'mutation { startExecution(id: null) { id } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'null variable for a non-null argument', query: 'mutation($id: ID!) { startExecution(id: $id) { id } }', variables: () => ({ id: null }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'null inside a list of non-null items', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [...outputs(2, 'nul'), null] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'string for an Int', query: '{ lineage(id: "x", depth: "deep") { depthReached } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'string variable for an Int', query: 'query($d: Int) { lineage(id: "x", depth: $d) { depthReached } }', variables: () => ({ d: 'deep' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Int past 32 bits', query: '{ datums(first: 99999999999) { totalCount } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'unknown enum value', query: 'mutation { createExecution(input: {project: "fuzz", name: "x", kind: ROCKET}) { id } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'variable of the wrong declared type', query: 'query($id: Int) { node(id: $id) { id } }', variables: () => ({ id: 1 }), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'undeclared variable', query: '{ node(id: $id) { id } }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'two operations and no operationName', query: 'query A { __typename } query B { __typename }', status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'operationName naming no operation', body: JSON.stringify({ query: 'query A { __typename }', operationName: 'B' }), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'unknown fragment', query: '{ ...Nope }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'fragment cycle', query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },

  // --- every custom scalar, as a literal and as a variable ---
  { name: 'DateTime literal that is not a date', query: '{ datums(filter: {createdAfter: "yesterday"}) { totalCount } }', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'DateTime variable with month 13', query: 'query($t: DateTime) { datums(filter: {createdAfter: $t}) { totalCount } }', variables: () => ({ t: '2024-13-45T00:00:00Z' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'DateTime as a number', query: 'query($t: DateTime) { datums(filter: {createdBefore: $t}) { totalCount } }', variables: () => ({ t: 1714521600 }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'JSONObject given a list', query: LOG, variables: (f) => ({ t: f.datums[0], m: [1, 2] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'JSONObject literal that is a string', query: (f) => `mutation { logMetadata(target: "${f.datums[0]}", metadata: "accuracy=1") { entries { key } } }`, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'JSONObject nested 1,000 levels', query: LOG, variables: (f) => ({ t: f.datums[0], m: nested(1000) }), status: 400, code: 'BAD_USER_INPUT', message: /at most 100 levels/ },
  { name: 'JSON predicate nested 1,000 levels', query: 'query($v: JSON) { datums(filter: {metadata: [{key: "a", eq: $v}]}) { totalCount } }', variables: () => ({ v: nested(1000) }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'StorageSize negative', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'neg.bin', size: -1, sha256: sha('neg') }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'StorageSize fractional', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'frac.bin', size: 1.5, sha256: sha('frac') }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'StorageSize past int64', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'huge.bin', size: '99999999999999999999', sha256: sha('huge') }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'StorageSize past 2^53 as a JSON number', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'inexact.bin', size: 2 ** 60, sha256: sha('inexact') }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'StorageSize literal that is a word', query: (f) => `mutation { recordOutputs(executionId: "${f.execution}", outputs: [{path: "w.bin", size: "ten", sha256: "${sha('w')}"}]) { id } }`, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Uri without a scheme', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'u.bin', size: 1, sha256: sha('u'), uri: 'bucket/key' }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Uri with a space', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'u.bin', size: 1, sha256: sha('u'), uri: 's3://bucket/a key' }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Uri of 5,000 characters', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'u.bin', size: 1, sha256: sha('u'), uri: `s3://b/${big(5000)}` }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Path escaping upwards', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: '../etc/passwd', size: 1, sha256: sha('p') }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Path with a NUL', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 'a\u0000b', size: 1, sha256: sha('p') }] }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Path not normalised', query: (f) => `mutation { recordOutputs(executionId: "${f.execution}", outputs: [{path: "a//b/./c", size: 1, sha256: "${sha('p')}"}]) { id } }`, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'typed DType that is no data type', query: LOG, variables: (f) => ({ t: f.datums[0], m: { dtype: { $type: 'DType', value: 'int65' } } }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'typed StorageSize that is negative', query: LOG, variables: (f) => ({ t: f.datums[0], m: { size: { $type: 'StorageSize', value: -3 } } }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'sha256 that is not hex', query: RECORD_OUTPUTS, variables: (f) => ({ e: f.execution, o: [{ path: 's.bin', size: 1, sha256: 'z'.repeat(64) }] }), status: 200, code: 'BAD_USER_INPUT' },

  // --- huge strings ---
  { name: '1 MB execution name', query: 'mutation($n: String!) { createExecution(input: {project: "fuzz", name: $n}) { id } }', variables: () => ({ n: big(1024 * 1024) }), status: 200, code: 'BAD_USER_INPUT' },
  { name: '1 MB project name', query: 'mutation($p: String!) { createExecution(input: {project: $p, name: "x"}) { id } }', variables: () => ({ p: big(1024 * 1024) }), status: 200, code: 'BAD_USER_INPUT' },
  { name: '1 MB tag', query: 'mutation($t: [ID!]!, $tags: [String!]!) { addTags(targets: $t, tags: $tags) { id } }', variables: (f) => ({ t: [f.datums[0]], tags: [big(1024 * 1024)] }), status: 200, code: 'BAD_USER_INPUT' },
  { name: '1 MB alias name', query: 'mutation($n: String!, $d: ID!) { setAlias(project: "fuzz", name: $n, datumId: $d) { name } }', variables: (f) => ({ n: big(1024 * 1024), d: f.datums[0] }), status: 200, code: 'BAD_USER_INPUT' },
  { name: '1 MB metadata key', query: LOG, variables: (f) => ({ t: f.datums[0], m: { [big(1024 * 1024)]: 1 } }), status: 200, code: 'BAD_USER_INPUT' },

  // --- limits on the shape and size of a request ---
  {
    name: 'query nested past depth 15',
    query: `{ datums { edges { node { ${'producer { outputs { '.repeat(10)}id${' } }'.repeat(10)} } } } }`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
    message: /exceeds maximum operation depth of 15/,
  },
  {
    name: '2,000 aliases of a 10,000-node lineage walk',
    query: (f) => `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: lineage(id: "${f.datums[0]}", depth: 50, limit: 10000) { nodes { id } }`).join(' ')} }`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
    message: /too complex/,
  },
  {
    name: '5,000 aliases of datums(first: 1000)',
    query: `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: datums(first: 1000) { edges { node { id } } }`).join(' ')} }`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: '1,000 aliased mutations in one request',
    query: `mutation { ${Array.from({ length: 1000 }, (_, i) => `a${i}: createExecution(input: {project: "fuzz", name: "alias-${i}"}) { id }`).join(' ')} }`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: '60 aliases of a cheap root field (each its own database session)',
    query: `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: datums(first: 1) { totalCount }`).join(' ')} }`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: '20,000 fields',
    query: `{ datums(first: 1) { edges { node { ${Array.from({ length: 20_000 }, (_, i) => `f${i}: id`).join(' ')} } } } }`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
    message: /more than 10000 fields/,
  },
  {
    name: 'depth past 15 through fragments',
    query: `{ datums { edges { node { ...F0 } } } } ${Array.from({ length: 8 }, (_, i) => `fragment F${i} on Datum { producer { outputs { ${i < 7 ? `...F${i + 1}` : 'id'} } } }`).join(' ')}`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
    message: /exceeds maximum operation depth of 15/,
  },
  {
    name: 'a chain of 5,000 fragments',
    query: `query { ...F0 } ${Array.from({ length: 5000 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join(' ')} fragment F5000 on Query { __typename }`,
    status: 400,
    code: 'LIMIT_EXCEEDED',
  },
  { name: 'lineage depth 900', query: (f) => `{ lineage(id: "${f.datums[0]}", depth: 900) { depthReached } }`, status: 200, code: 'LIMIT_EXCEEDED', message: /depth must be 1\.\.50, got 900/ },
  {
    name: 'explicit null for a defaulted enum argument',
    query: '{ lineage(id: "nope", direction: null, depth: 1) { depthReached } }',
    status: 200,
    code: 'NOT_FOUND',
  },
  { name: 'page of 100,000', query: '{ datums(first: 100000) { totalCount } }', status: 200, code: 'LIMIT_EXCEEDED' },
  // every per-parent list has a maximum, and the cost estimate counts each list's `first`
  { name: 'outputs of an execution, 10^6 of them', query: (f) => `{ execution(id: "${f.execution}") { outputs(first: 1000000) { id } } }`, status: 400, code: 'LIMIT_EXCEEDED' },
  { name: 'outputs of an execution, one past the maximum', query: (f) => `{ execution(id: "${f.execution}") { outputs(first: 1001) { id } } }`, status: 200, code: 'LIMIT_EXCEEDED', partial: true, message: /first must be 1\.\.1000, got 1001/ },
  { name: 'tags of a datum, none', query: (f) => `{ datum(id: "${f.datums[0]}") { tags(first: 0) { name } } }`, status: 200, code: 'BAD_USER_INPUT', partial: true, message: /first must be 1\.\.1000, got 0/ },
  { name: 'metadata entries of a datum, 10^6', query: (f) => `{ datum(id: "${f.datums[0]}") { metadata(history: true, first: 1000000) { key } } }`, status: 400, code: 'LIMIT_EXCEEDED' },
  { name: 'reads of an execution past the maximum', query: (f) => `{ execution(id: "${f.execution}") { reads(first: 5000) { inputName } } }`, status: 200, code: 'LIMIT_EXCEEDED', partial: true },
  {
    name: 'a wide fan-out: each of 1,000 datums with 1,000 consumers with 1,000 outputs',
    query: '{ datums(first: 1000) { edges { node { consumers(first: 1000) { outputs(first: 1000) { path } } } } } }',
    status: 400,
    code: 'LIMIT_EXCEEDED',
    message: /too complex/,
  },
  { name: 'negative page size', query: '{ datums(first: -5) { totalCount } }', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'compareExecutions with 21 ids', query: 'query($ids: [ID!]!) { compareExecutions(ids: $ids) { rows { key } } }', variables: (f) => ({ ids: Array(21).fill(f.execution) }), status: 200, code: 'LIMIT_EXCEEDED' },
  {
    name: 'recordOutputs with 10,001 outputs',
    query: RECORD_OUTPUTS,
    variables: (f) => ({ e: f.execution, o: outputs(TEN_THOUSAND_AND_ONE, 'many') }),
    status: 200,
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: 'addTags on 10,001 targets',
    query: 'mutation($t: [ID!]!) { addTags(targets: $t, tags: ["bulk"]) { id } }',
    variables: (f) => ({ t: Array(TEN_THOUSAND_AND_ONE).fill(f.datums[0]) }),
    status: 200,
    code: 'LIMIT_EXCEEDED',
  },
  {
    name: 'applyMetadataBatch with 10,001 items',
    query: APPLY_BATCH,
    variables: (f) => ({ items: Array.from({ length: TEN_THOUSAND_AND_ONE }, () => ({ datumId: f.datums[0], properties: { n: 1 } })) }),
    status: 200,
    code: 'LIMIT_EXCEEDED',
  },

  // --- a valid beginning and an invalid end: nothing of it may be written ---
  {
    name: 'recordOutputs: three good outputs and a bad sha256 fourth',
    query: RECORD_OUTPUTS,
    variables: (f) => ({ e: f.execution, o: [...outputs(3, 'half'), { path: 'half/3.bin', size: 3, sha256: 'not-a-digest' }] }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'recordOutputs: three good outputs and a fourth escaping upwards',
    query: RECORD_OUTPUTS,
    variables: (f) => ({ e: f.execution, o: [...outputs(3, 'half2'), { path: 'half2/../../x', size: 3, sha256: sha('x') }] }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'applyMetadataBatch: two good items and a bad typed value last',
    query: APPLY_BATCH,
    variables: (f) => ({
      items: [
        { datumId: f.datums[0], properties: { accuracy: 0.9, 'valohai.tags': ['half'] } },
        { datumId: f.datums[1], properties: { loss: 0.1 } },
        { datumId: f.datums[2], properties: { size: { $type: 'StorageSize', value: 'lots' } } },
      ],
    }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'applyMetadataBatch: the last item names no datum',
    query: APPLY_BATCH,
    variables: (f) => ({ items: [{ datumId: f.datums[0], properties: { a: 1, 'valohai.alias': 'half-alias' } }, { datumId: '00000000-0000-0000-0000-000000000000', properties: { a: 2 } }] }),
    status: 200,
    code: 'NOT_FOUND',
  },
  {
    name: 'applyMetadataAll: a reserved key of the wrong type',
    query: 'mutation($d: [ID!]!, $p: JSONObject!) { applyMetadataAll(datumIds: $d, properties: $p) { entries { key } } }',
    variables: (f) => ({ d: f.datums, p: { accuracy: 1, 'valohai.tags': 'not-a-list' } }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'logMetadata: a good key and a bad model version reference',
    query: LOG,
    variables: (f) => ({ t: f.datums[0], m: { accuracy: 1, 'valohai.model-versions': ['model://fraud/x/y'] } }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'recordInputs: a good datum and an unknown one',
    query: 'mutation($e: ID!, $i: [InputRef!]!) { recordInputs(executionId: $e, inputs: $i) { id } }',
    variables: (f) => ({ e: f.execution, i: [{ datumId: f.datums[0] }, { datumId: 'nope' }] }),
    status: 200,
    code: 'NOT_FOUND',
  },
  {
    name: 'recordInputs: both datumId and uri',
    query: 'mutation($e: ID!, $i: [InputRef!]!) { recordInputs(executionId: $e, inputs: $i) { id } }',
    variables: (f) => ({ e: f.execution, i: [{ uri: 's3://bucket/ok.csv' }, { datumId: f.datums[0], uri: 's3://bucket/x' }] }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'addTags: a good target and an unknown one',
    query: 'mutation($t: [ID!]!) { addTags(targets: $t, tags: ["half"]) { id } }',
    variables: (f) => ({ t: [f.datums[0], 'nope'] }),
    status: 200,
    code: 'NOT_FOUND',
  },
  {
    name: 'createModelVersion: a good datum and an unknown one',
    query: 'mutation($d: [ID!]!) { createModelVersion(project: "fuzz", model: "half", datumIds: $d) { id } }',
    variables: (f) => ({ d: [f.datums[0], 'nope'] }),
    status: 200,
    code: 'NOT_FOUND',
  },
  {
    name: 'createExecution with tags and an unknown parent',
    query: 'mutation { createExecution(input: {project: "fuzz", name: "orphan", tags: ["half"], parentId: "nope"}) { id } }',
    status: 200,
    code: 'NOT_FOUND',
  },
  {
    name: 'ingestOutputs: a good file and a manifest line naming no file',
    query: 'mutation($e: ID!, $f: [IngestFile!]!, $m: String) { ingestOutputs(executionId: $e, files: $f, manifest: $m) { created } }',
    variables: (f) => ({ e: f.execution, f: outputs(2, 'ingest'), m: '{"file": "ingest/0.bin", "metadata": {"n": 1}}\n{"file": "ghost.bin", "metadata": {}}\n' }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'ingestOutputs: a manifest line nested 100,000 levels',
    query: 'mutation($e: ID!, $f: [IngestFile!]!, $m: String) { ingestOutputs(executionId: $e, files: $f, manifest: $m) { created } }',
    variables: (f) => ({ e: f.execution, f: outputs(1, 'deep'), m: `{"file": "deep/0.bin", "metadata": {"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}\n` }),
    status: 200,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'a valid mutation followed by one with a bad literal',
    query: (f) => `mutation { a: addTags(targets: ["${f.datums[0]}"], tags: ["first"]) { id } b: recordOutputs(executionId: "${f.execution}", outputs: [{path: "../b", size: 1, sha256: "${sha('b')}"}]) { id } }`,
    status: 400,
    code: 'BAD_USER_INPUT',
  },

  // --- webhooks: refused before anything is stored or any request leaves the server ---
  { name: 'createWebhook: an ftp URL', query: WEBHOOK, variables: () => ({ u: 'ftp://hooks.example/x', t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT', message: /http or https/ },
  { name: 'createWebhook: not a URL', query: WEBHOOK, variables: () => ({ u: 'hooks.example/x', t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'createWebhook: credentials in the URL', query: WEBHOOK, variables: () => ({ u: 'https://user:secret@hooks.example/x', t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT', message: /credentials/ },
  { name: 'createWebhook: a private address', query: WEBHOOK, variables: () => ({ u: 'http://10.0.0.7/hook', t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT', message: /a private address/ },
  { name: 'createWebhook: a host that resolves to loopback', query: WEBHOOK, variables: () => ({ u: 'http://localhost:4000/graphql', t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT', message: /a loopback address/ },
  { name: 'createWebhook: the cloud metadata address', query: WEBHOOK, variables: () => ({ u: 'http://169.254.169.254/latest/meta-data/', t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT', message: /metadata/ },
  { name: 'createWebhook: loopback written in hex', query: WEBHOOK, variables: () => ({ u: 'http://0x7f000001/', t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT', message: /a loopback address/ },
  { name: 'createWebhook: an unknown event type', query: WEBHOOK, variables: () => ({ u: 'https://203.0.113.10/hook', t: ['alias.moved', 'alias.renamed'] }), status: 200, code: 'BAD_USER_INPUT', message: /types\.1 must be an event type/ },
  { name: 'createWebhook: no event types', query: WEBHOOK, variables: () => ({ u: 'https://203.0.113.10/hook', t: [] }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'createWebhook: too many event types', query: WEBHOOK, variables: () => ({ u: 'https://203.0.113.10/hook', t: Array(8).fill('alias.moved') }), status: 200, code: 'LIMIT_EXCEEDED' },
  { name: 'createWebhook: a URL of 3,000 characters', query: WEBHOOK, variables: () => ({ u: `https://203.0.113.10/${big(3000)}`, t: ['alias.moved'] }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'deleteWebhook: an unknown id', query: 'mutation { deleteWebhook(id: "00000000-0000-0000-0000-000000000000") { id } }', status: 200, code: 'NOT_FOUND' },
  { name: 'webhookDeliveries: a page past the maximum', query: '{ webhookDeliveries(webhookId: "x", first: 1001) { totalCount } }', status: 200, code: 'LIMIT_EXCEEDED' },

  // --- Valohai's metadata endpoints: the same refusals in their bodies ---
  { name: 'Valohai apply: truncated JSON body', path: VALOHAI_APPLY, body: '{"datum_metadata": {', status: 400, code: 'BAD_USER_INPUT', message: /not valid JSON/ },
  { name: 'Valohai apply-all: 11 MB body', path: VALOHAI_APPLY_ALL, body: (f) => JSON.stringify({ datum_ids: [f.datums[0]], metadata: { padding: big(11 * 1024 * 1024) } }), status: 413, code: 'LIMIT_EXCEEDED' },
  { name: 'Valohai datum metadata: a list for a body', path: (f) => `/api/v0/data/${f.datums[0]}/metadata/`, body: '[{"accuracy": 1}]', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Valohai datum metadata: form-encoded body', path: (f) => `/api/v0/data/${f.datums[0]}/metadata/`, body: 'accuracy=1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'Valohai datum metadata: PUT', path: (f) => `/api/v0/data/${f.datums[0]}/metadata/`, method: 'PUT', body: '{"accuracy": 1}', status: 405, code: 'BAD_REQUEST' },
  {
    name: 'Valohai apply-all: 10,001 datum ids',
    path: VALOHAI_APPLY_ALL,
    body: (f) => JSON.stringify({ datum_ids: Array(TEN_THOUSAND_AND_ONE).fill(f.datums[0]), metadata: { n: 1 } }),
    status: 413,
    code: 'LIMIT_EXCEEDED',
  },
  { name: 'Valohai apply-all: metadata nested 1,000 levels', path: VALOHAI_APPLY_ALL, body: (f) => JSON.stringify({ datum_ids: [f.datums[0]], metadata: nested(1000) }), status: 400, code: 'BAD_USER_INPUT' },
  {
    name: 'Valohai apply-all: a JSON body nested 100,000 levels',
    path: VALOHAI_APPLY_ALL,
    body: (f) => `{"datum_ids": ["${f.datums[0]}"], "metadata": {"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'Valohai apply: two good datums and a bad typed value on the third',
    path: VALOHAI_APPLY,
    body: (f) =>
      JSON.stringify({
        datum_metadata: {
          [f.datums[0]]: { accuracy: 0.9, 'valohai.tags': ['half'], 'valohai.alias': 'half-alias' },
          [f.datums[1]]: { loss: 0.1 },
          [f.datums[2]]: { size: { $type: 'StorageSize', value: 'lots' } },
        },
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'Valohai apply-all: a good datum and an unknown one',
    path: VALOHAI_APPLY_ALL,
    body: (f) => JSON.stringify({ datum_ids: [f.datums[0], 'nope'], metadata: { accuracy: 1, 'valohai.tags': ['half'] } }),
    status: 404,
    code: 'NOT_FOUND',
  },
];

let api: TestApi;
let fixture: Fixture;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  const execution = (await api.ok('mutation { createExecution(input: {project: "fuzz", name: "producer"}) { id } }')).createExecution.id;
  const datums = (await api.ok(RECORD_OUTPUTS, { e: execution, o: outputs(3, 'fixture') })).recordOutputs.map((d: { id: string }) => d.id);
  await api.ok(`mutation($d: ID!) { setAlias(project: "fuzz", name: "current", datumId: $d) { name } }`, { d: datums[0] });
  await api.ok(LOG, { t: datums[0], m: { accuracy: 0.5 } });
  const modelVersion = (await api.ok(`mutation($d: [ID!]!) { createModelVersion(project: "fuzz", model: "fraud", datumIds: $d) { id } }`, { d: [datums[0]] })).createModelVersion.id;
  fixture = { execution, datums, modelVersion };
}, 60_000);
afterAll(() => api?.close());

async function send(c: Case): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN()}`, ...(c.get === undefined ? { 'content-type': 'application/json' } : {}), ...c.headers };
  if (c.get !== undefined) return fetch(`${api.url}/graphql?query=${encodeURIComponent(c.get)}`, { headers });
  const body =
    c.body !== undefined ? (typeof c.body === 'function' ? c.body(fixture) : c.body)
    : c.path !== undefined ? undefined
    : JSON.stringify({ query: typeof c.query === 'function' ? c.query(fixture) : c.query, variables: c.variables?.(fixture) });
  const path = typeof c.path === 'function' ? c.path(fixture) : c.path ?? '/graphql';
  return fetch(`${api.url}${path}`, { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

/** Frames of a stack trace, or where the code lives: neither belongs in an answer. */
const LEAKS = [/\n?\s{2,}at\s+\S+/, /node_modules/, /file:\/\//, /\/(src|dist|resolvers)\/\S+\.(ts|js)/, /\.(ts|js):\d+/];

async function withAnswer(answer: string, assertions: () => void) {
  try {
    assertions();
  } catch (error) {
    (error as Error).message = `${(error as Error).message}\n\nanswer: ${answer}`;
    throw error;
  }
}

describe('malformed requests', () => {
  it('has a corpus of at least 40 named cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const before = await fingerprint();
      const response = await send(c);
      const text = await response.text();
      let body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`not JSON (HTTP ${response.status}): ${text.slice(0, 300)}`);
      }
      // the answer itself in the failure message, so a failing row says what came back
      await withAnswer(`HTTP ${response.status} ${text.slice(0, 600)}`, () => {
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
        expect(body.errors?.length).toBeGreaterThan(0);
        for (const error of body.errors!) {
          expect(typeof error.extensions?.code).toBe('string');
          expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
          expect(error.extensions).not.toHaveProperty('stacktrace');
          expect(error.extensions).not.toHaveProperty('http');
        }
        for (const leak of LEAKS) expect(text).not.toMatch(leak);
        expect({ status: response.status, code: body.errors![0].extensions?.code }).toEqual({ status: c.status, code: c.code });
        if (c.message) expect(body.errors![0].message).toMatch(c.message);
        // refused as a whole: no partial answer beside the error (or only the refused field's null)
        if (!c.partial) expect(body.data ?? null).toBeNull();
      });

      const after = await fingerprint();
      expect(after.auditEntries).toBe(before.auditEntries);
      expect(after.graph).toEqual(before.graph);
    });
  }

  it('still answers a valid request afterwards, and the fixture is intact', async () => {
    const { datum } = await api.ok('query($id: ID!) { datum(id: $id) { path tags { name } aliases { name } metadata { key value } } }', { id: fixture.datums[0] });
    expect(datum).toEqual({ path: 'fixture/0.bin', tags: [], aliases: [{ name: 'current' }], metadata: [{ key: 'accuracy', value: 0.5 }] });
    expect((await api.ok('query($id: ID!) { modelVersion(id: $id) { status } }', { id: fixture.modelVersion })).modelVersion).toEqual({ status: 'PENDING' });
  });
});

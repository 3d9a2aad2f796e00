// Records a two-step pipeline through the GraphQL API and prints the model's lineage.
// Usage: PEDIGREE_URL=http://localhost:4000 PEDIGREE_TOKEN=<token> node examples/quickstart.mjs
// (PEDIGREE_URL defaults to http://localhost:4000)
const base = (process.env.PEDIGREE_URL || 'http://localhost:4000').replace(/\/+$/, '');
const token = process.env.PEDIGREE_TOKEN;

/** Stops with one line that says what to fix, as the `pedigree` CLI does. */
function fail(message) {
  console.error(`quickstart: ${message}`);
  process.exit(1);
}

if (!token) fail('no token: set PEDIGREE_TOKEN to the admin token `npm start` printed on its first start, or to one from `pedigree token create`');

async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    fail(`cannot reach the API at ${base} (${error.cause?.message ?? error.message}); is it running? set PEDIGREE_URL`);
  }
  const body = await response.json().catch(() => null);
  if (!body) fail(`the API at ${base} answered HTTP ${response.status} without a GraphQL body; is PEDIGREE_URL the Pedigree API?`);
  const [first] = body.errors ?? [];
  if (first?.extensions?.code === 'UNAUTHENTICATED') fail(`the API at ${base} refused the token (${first.message}); set PEDIGREE_TOKEN`);
  if (first) fail(body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('\n'));
  return body.data;
}

const step = async (name, inputs, outputs) => {
  const { createExecution } = await gql(
    `mutation($name: String!) { createExecution(input: {project: "quickstart", name: $name, commit: "a1b2c3d", image: "python:3.11"}) { id } }`,
    { name },
  );
  const id = createExecution.id;
  await gql(`mutation($id: ID!, $inputs: [InputRef!]!) { recordInputs(executionId: $id, inputs: $inputs) { id } }`, { id, inputs });
  const { recordOutputs } = await gql(
    `mutation($id: ID!, $outputs: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $outputs) { id uri path } }`,
    { id, outputs },
  );
  await gql(`mutation($id: ID!) { finishExecution(id: $id, status: COMPLETED) { status } }`, { id });
  return recordOutputs;
};

const sha = (c) => c.repeat(64);
const [features] = await step('preprocess', [{ uri: 's3://demo-bucket/raw/events.csv', inputName: 'raw' }], [
  { path: 'features/train.parquet', size: 1048576, sha256: sha('a') },
]);
const [model] = await step('train', [{ uri: features.uri, inputName: 'features' }], [
  { path: 'model/model.pkl', size: 2400000, sha256: sha('b') },
]);
await gql(`mutation($id: ID!) { setAlias(project: "quickstart", name: "model-prod", datumId: $id, reason: "first model") { name } }`, { id: model.id });

const { lineage } = await gql(
  `query { lineage(id: "${model.id}", direction: UPSTREAM, depth: 2) {
    nodes { kind distance node { ... on Datum { uri path } ... on Execution { name } } }
    edges { from to type inputName }
  } }`,
);
console.log('Upstream of datum://model-prod:');
const nearestFirst = [...lineage.nodes].sort((a, b) => a.distance - b.distance || a.kind.localeCompare(b.kind));
for (const n of nearestFirst) console.log(`  ${n.distance}  ${n.kind.padEnd(9)} ${n.node.name ?? n.node.path}  ${n.node.uri ?? ''}`.trimEnd());
console.log(`${lineage.edges.length} edges`);

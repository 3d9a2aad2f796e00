// Records a two-step pipeline through the GraphQL API and prints the model's lineage.
// Usage: PEDIGREE_TOKEN=<token> node examples/quickstart.mjs   (API at PEDIGREE_URL, default http://localhost:4000)
const url = `${process.env.PEDIGREE_URL ?? 'http://localhost:4000'}/graphql`;
const token = process.env.PEDIGREE_TOKEN;
if (!token) {
  console.error('Set PEDIGREE_TOKEN: the admin token `npm start` printed on its first start, or one from `npx pedigree token create`.');
  process.exit(2);
}

async function gql(query, variables = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const { data, errors } = await response.json();
  if (errors) throw new Error(errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('\n'));
  return data;
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
for (const n of nearestFirst) console.log(`  ${n.distance}  ${n.kind.padEnd(9)} ${n.node.name ?? n.node.path}  ${n.node.uri ?? ''}`);
console.log(`${lineage.edges.length} edges`);

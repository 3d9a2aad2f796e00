// Waits for the next approval or rejection of a model version in a project and prints it:
// what an approval workflow or a deployment job does instead of polling.
//   PEDIGREE_URL=http://localhost:4000 PEDIGREE_TOKEN=... node examples/subscribe.mjs fraud
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const client = createClient({
  url: `${process.env.PEDIGREE_URL.replace(/^http/, 'ws')}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${process.env.PEDIGREE_TOKEN}` },
  on: { connected: () => console.error(`waiting for an approval decision in ${process.argv[2]}`) },
});
const changes = client.iterate({
  query: `subscription($project: String!) {
    modelVersionStatusChanged(project: $project) { version { uri } from to by comment }
  }`,
  variables: { project: process.argv[2] },
});
for await (const { data, errors } of changes) {
  if (errors) throw new Error(errors.map((e) => e.message).join('; '));
  const { version, from, to, by, comment } = data.modelVersionStatusChanged;
  console.log(`${version.uri}: ${from} -> ${to} by ${by}${comment ? ` (${comment})` : ''}`);
  break;
}
await client.dispose();

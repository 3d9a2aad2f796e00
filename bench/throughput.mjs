// Point-lookup throughput: autocannon keeps `connections` requests in flight for
// `seconds`, each asking `node(id)` for the next datum in turn. It runs in the bench's
// own process, so it shares the CPU with Neo4j and the API as a real load generator would.
import autocannon from 'autocannon';
import { LOOKUP_QUERY } from './workloads.mjs';

export async function lookupThroughput({ url, token, ids, connections, seconds }) {
  let next = 0;
  const result = await autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ query: LOOKUP_QUERY, variables: { id: ids[next++ % ids.length] } }) }) }],
  });
  return {
    connections,
    seconds,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latency: { p50: result.latency.p50, p99: result.latency.p99 },
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

import type { RequestHandler } from 'express';

/**
 * What a browser finds at the server's addresses. Apollo's landing page loads its sandbox
 * from a CDN, which leaves a blank page offline or behind a firewall; this page is one
 * self-contained document (its policy forbids loading anything) that says where GraphQL is
 * and how to call it.
 */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (base: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pedigree GraphQL API</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 3rem auto; padding: 0 1rem; color: #1b2430; }
  h1 { font-size: 1.6rem; margin-bottom: 0.25rem; }
  code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9rem; }
  pre { background: #f3f5f8; border: 1px solid #dde2ea; border-radius: 6px; padding: 0.75rem 1rem; white-space: pre-wrap; word-break: break-all; }
  a { color: #1f5fa8; }
</style>
</head>
<body>
<h1>Pedigree GraphQL API</h1>
<p>GraphQL is answered at <code>POST /graphql</code> with a JSON body <code>{"query": "…", "variables": {…}}</code>.
Every request carries a token: <code>Authorization: Bearer &lt;token&gt;</code> (Valohai's <code>Token &lt;token&gt;</code> works too).</p>
<p>To browse lineage, open the <a href="/explorer/">lineage explorer</a>.</p>
<h2>Try it</h2>
<pre>curl -s ${escapeHtml(base)}/graphql -H 'content-type: application/json' -H "authorization: Bearer $PEDIGREE_TOKEN" \\
  -d '{"query":"{ status { version neo4j projects executions datums } }"}'</pre>
<h2>Tokens</h2>
<p>The first start on an empty database prints an admin token once. An admin makes more with
<code>pedigree token create --role writer --project &lt;name&gt; --name &lt;who&gt;</code>.
A lost admin token is replaced by restarting the server with <code>PEDIGREE_ADMIN_TOKEN=&lt;a secret of your choice&gt;</code>,
which registers that secret as an admin token.</p>
<p>Health: <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>; metrics: <a href="/metrics">/metrics</a>.</p>
</body>
</html>
`;

/**
 * GET /graphql from a browser (HTML preferred over JSON, as Apollo decides for its own
 * landing page) gets the page; anything else, a GraphQL GET request included, goes on to
 * GraphQL.
 */
export const graphqlLandingPage: RequestHandler = (req, res, next) => {
  if (req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
  res
    .status(200)
    .set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
    .type('html')
    .send(page(`${req.protocol}://${req.get('host') ?? 'localhost'}`));
};

/**
 * A 32x32 icon: two inputs (white) joined into one output (gold) on a dark blue rounded
 * square, as a PNG inside an ICO container, the one form every browser reads at /favicon.ico.
 */
const FAVICON = Buffer.from(
  'AAABAAEAICAAAAEAIAAEAgAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAActJREFUeNrdV7tKA0EUnc9It6WFCNpOJ8GgjQERDBid' +
    'NmlsBAstLIzGSkEsAhqxs7TwAUIEQcVHOrews5B8QGRRopt45SzZELPPxFlHHDgw3HMfZ2fvDDOMtQ2Ni5jGRV7jQte4MDUuSBLMZk7kjjG3oXGR1rgwJBb1' +
    'Amqk3YrTLyPdvuyGAgGG9Tua/4UUIc+azeEgJzOrdHH7QLX3DwuYwxaUtMs4nbl1e3Zpm+r1BnUO2MB5Fe8hzmSdxoFEll6MV/Ia4OAjK84hYD63Q0EDPrLi' +
    'HAI2i4eBieAjK+7vrYDyHvDr5sYn0VrxzHMXgINPN7uHhdnP0FKpEp08Em2dV6kv7vwS2MDBB76ICXN+sDAn1tD4Au3eNWivTBbEirOZYLN5+CImTG4W9tjM' +
    'bJRaBQpXNeofnWtxmMNm8/ANmze0AL8ifuKkCehc5qObMq0vT1nA3O/3SBOARtsv6VS5ztLbZfwbYAPn1qDSBAyOzNDzacJR3AY4+EQmoJBPeha3AZ/IBDwd' +
    'JwIFwCcyAUHFbfzfFYiqB0yFu8D0vJR6YTg5TfcHY47isIHr8las93wtT82mKLc4YQHzn1zL1T5MlD/N/sTjVOXz/AuXhF+tnxkETQAAAABJRU5ErkJggg==',
  'base64',
);

export const favicon: RequestHandler = (_req, res) => {
  res.status(200).set('cache-control', 'public, max-age=86400').type('image/x-icon').send(FAVICON);
};

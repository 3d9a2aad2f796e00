import { Command, InvalidArgumentError } from 'commander';
import { EVENT_TYPES } from '../domain/events.js';
import { withClient } from './client.js';

const FIELDS = 'id project url types active createdAt createdBy disabledAt';
const DELIVERY = 'eventId seq type status attempts lastStatusCode lastError deliveredAt nextAttemptAt';

const SIGNING = `
Each delivery is a POST of {"type", "timestamp", "data"} with the headers webhook-id (the
event id, the same on every retry), webhook-timestamp and webhook-signature
(v1,<base64 HMAC-SHA256 of id.timestamp.body> keyed with the secret): verify it with any
Standard Webhooks library. Any 2xx delivers; anything else is retried (the first retry
within 10 s, for about a day); 410 Gone disables the webhook.`;

const count = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return Number(value);
};

/** `pedigree webhook create|list|delete|deliveries`: webhook administration through the API (admin role). */
export function webhookCommand(apiHelp: string): Command {
  const webhook = new Command('webhook').description("Create, list and delete a project's webhooks and see their deliveries (needs an admin PEDIGREE_TOKEN)");

  webhook
    .command('create')
    .description("Create a webhook: the project's events of the given types are POSTed to the URL, signed; prints the signing secret on the last line (it is shown only once)")
    .requiredOption('--project <name>', 'the project whose events it receives')
    .requiredOption('--url <url>', 'where to POST: http(s), no user:password@; a host resolving to a loopback, private, link-local or metadata address is refused unless the server allows it (PEDIGREE_WEBHOOK_ALLOW_HOSTS)')
    .requiredOption('--type <type...>', `the event types to deliver: ${EVENT_TYPES.join(', ')}`)
    .option('--json', 'print the webhook and its secret as JSON')
    .addHelpText('after', `${apiHelp}\n${SIGNING}`)
    .action((o) =>
      withClient('webhook', async (client) => {
        const { createWebhook } = await client.request(
          `mutation($project: String!, $url: String!, $types: [String!]!) { createWebhook(project: $project, url: $url, types: $types) { secret webhook { ${FIELDS} } } }`,
          { project: o.project, url: o.url, types: o.type },
        );
        if (o.json) return console.log(JSON.stringify(createWebhook, null, 2));
        const w = createWebhook.webhook;
        console.log(`Created webhook ${w.id}: ${w.types.join(', ')} of project ${w.project} to ${w.url}. Its signing secret is not shown again:`);
        console.log(createWebhook.secret);
      }),
    );

  webhook
    .command('list')
    .description("List a project's webhooks (never their secrets)")
    .requiredOption('--project <name>', 'the project')
    .option('--json', 'print JSON')
    .addHelpText('after', apiHelp)
    .action((o) =>
      withClient('webhook', async (client) => {
        const { webhooks } = await client.request(`query($project: String!) { webhooks(project: $project, first: 1000) { ${FIELDS} } }`, { project: o.project });
        if (o.json) return console.log(JSON.stringify(webhooks, null, 2));
        const row = (id: string, state: string, types: string, url: string) => `${id.padEnd(36)}  ${state.padEnd(8)} ${types.padEnd(40)} ${url}`;
        console.log(row('ID', 'STATE', 'TYPES', 'URL'));
        for (const w of webhooks) console.log(row(w.id, w.active ? 'active' : 'disabled', w.types.join(','), w.url));
      }),
    );

  webhook
    .command('delete')
    .description('Delete a webhook and its deliveries at once')
    .argument('<id>', 'the webhook id (from webhook list)')
    .addHelpText('after', apiHelp)
    .action((id) =>
      withClient('webhook', async (client) => {
        const { deleteWebhook } = await client.request(`mutation($id: ID!) { deleteWebhook(id: $id) { id url } }`, { id });
        console.log(`Deleted webhook ${deleteWebhook.id} (${deleteWebhook.url})`);
      }),
    );

  webhook
    .command('deliveries')
    .description("A webhook's deliveries, newest event first: status, attempts, the last answer or error, when it was delivered or goes again")
    .argument('<id>', 'the webhook id (from webhook list)')
    .option('--first <n>', 'at most this many, 1..1000', count, 20)
    .option('--json', 'print the deliveries as JSON')
    .addHelpText('after', `${apiHelp}\nPENDING waits for its turn (events go in order) or its next attempt; FAILED was given up or answered 410 Gone.`)
    .action((id, o) =>
      withClient('webhook', async (client) => {
        const { webhookDeliveries } = await client.request(`query($id: ID!, $first: Int) { webhookDeliveries(webhookId: $id, first: $first) { totalCount edges { node { ${DELIVERY} } } } }`, {
          id,
          first: o.first,
        });
        const deliveries = webhookDeliveries.edges.map((e: { node: unknown }) => e.node);
        if (o.json) return console.log(JSON.stringify(deliveries, null, 2));
        const row = (seq: string, status: string, attempts: string, type: string, when: string, last: string) =>
          `${seq.padStart(6)}  ${status.padEnd(9)} ${attempts.padStart(8)}  ${type.padEnd(28)} ${when.padEnd(24)}  ${last}`;
        console.log(row('SEQ', 'STATUS', 'ATTEMPTS', 'TYPE', 'DELIVERED / NEXT', 'LAST ANSWER'));
        for (const d of deliveries) {
          const last = d.lastError ?? (d.lastStatusCode === null ? '' : `HTTP ${d.lastStatusCode}`);
          console.log(row(String(d.seq), d.status, String(d.attempts), d.type, d.deliveredAt ?? d.nextAttemptAt ?? '', last));
        }
        console.log(`${deliveries.length} of ${webhookDeliveries.totalCount} deliveries`);
      }),
    );
  return webhook;
}

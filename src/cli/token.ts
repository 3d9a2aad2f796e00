import { Command } from 'commander';
import { withClient } from './client.js';

const FIELDS = 'id name role projects createdAt lastUsedAt revokedAt';

/** `pedigree token create|list|revoke`: token administration through the API (admin role). */
export function tokenCommand(): Command {
  const token = new Command('token').description('Create, list and revoke API tokens (needs an admin PEDIGREE_TOKEN)');

  token
    .command('create')
    .description('Create a token; prints it on the last line (it is shown only once)')
    .requiredOption('--name <principal>', 'who uses it (recorded as createdBy, loggedBy and in the audit log)')
    .requiredOption('--role <role>', 'reader, writer, approver or admin')
    .option('--project <name...>', "projects it may use ('*' for all)", ['*'])
    .option('--json', 'print the record and the token as JSON')
    .action((o) =>
      withClient('token', async (client) => {
        const { createToken } = await client.request(
          `mutation($name: String!, $role: Role!, $projects: [String!]!) { createToken(name: $name, role: $role, projects: $projects) { token record { ${FIELDS} } } }`,
          { name: o.name, role: o.role, projects: o.project },
        );
        if (o.json) return console.log(JSON.stringify(createToken, null, 2));
        console.log(`Created ${createToken.record.role} token ${createToken.record.id} for ${createToken.record.name} (projects: ${createToken.record.projects.join(', ')}). Keep it secret; it is not shown again:`);
        console.log(createToken.token);
      }),
    );

  token
    .command('list')
    .description('List tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action((o) =>
      withClient('token', async (client) => {
        const { tokens } = await client.request(`{ tokens { ${FIELDS} } }`);
        if (o.json) return console.log(JSON.stringify(tokens, null, 2));
        const row = (id: string, role: string, name: string, projects: string, state: string) => `${id.padEnd(36)}  ${role.padEnd(8)} ${name.padEnd(20)} ${projects.padEnd(20)} ${state}`;
        console.log(row('ID', 'ROLE', 'NAME', 'PROJECTS', 'STATE'));
        for (const t of tokens) {
          console.log(row(t.id, t.role, t.name, t.projects.join(','), t.revokedAt ? `revoked ${t.revokedAt}` : `last used ${t.lastUsedAt ?? 'never'}`));
        }
      }),
    );

  token
    .command('revoke')
    .description('Revoke a token at once')
    .argument('<id>', 'the token id (from token list)')
    .action((id) =>
      withClient('token', async (client) => {
        const { revokeToken } = await client.request(`mutation($id: ID!) { revokeToken(id: $id) { id name revokedAt } }`, { id });
        console.log(`Revoked ${revokeToken.id} (${revokeToken.name}) at ${revokeToken.revokedAt}`);
      }),
    );
  return token;
}

import { Command, InvalidArgumentError } from 'commander';
import { configVariables, ConfigError, loadConfig } from '../config.js';
import { LocalNeo4jError } from '../neo4j-local/launcher.js';
import { log } from '../logging.js';
import { startServer } from '../main.js';
import { withClient } from './client.js';
import { ingestCommand } from './ingest.js';
import { lineageCommand } from './lineage.js';
import { statusCommand } from './status.js';
import { tokenCommand } from './token.js';

const API_HELP = '\nTalks to the API at PEDIGREE_URL (default http://localhost:4000) with PEDIGREE_TOKEN.';

const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return Number(value);
};

const program = new Command('pedigree')
  .description('Pedigree: a GraphQL lineage and metadata API over Neo4j')
  .showHelpAfterError();

program
  .command('start')
  .description('Run the API server (and the local Neo4j when NEO4J_URI is unset)')
  .addHelpText('after', '\nConfiguration (environment variables, with defaults):\n' + configVariables.map(([k, v]) => `  ${k.padEnd(28)}${v}`).join('\n'))
  .action(async () => {
    const server = await startServer(loadConfig());
    const stop = async (signal: string) => {
      log('shutting down', { signal });
      await server.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

program
  .command('ingest')
  .description('Register every file under <dir> as a datum produced by the execution, with sidecar and manifest metadata')
  .argument('<dir>', 'the outputs folder')
  .requiredOption('--execution <id>', 'the execution that produced the files')
  .option('--allow-partial', 'write the files without problems and list the rest (default: any problem writes nothing)')
  .option('--dry-run', 'print what would change, write nothing')
  .option('--json', 'print the report as JSON')
  .addHelpText('after', API_HELP + '\nSidecars: <file>.metadata.json beside <file>. Manifest: valohai.metadata.jsonl at the root,\none {"file": "<relative path>", "metadata": {...}} per line.')
  .action(async (dir: string, options) => {
    process.exitCode = await ingestCommand(dir, options);
  });

program
  .command('status')
  .description('Whether the API and Neo4j answer, their versions, and how many projects, executions and datums the token sees')
  .option('--json', 'print the report as JSON')
  .addHelpText('after', `${API_HELP}\nExit code 0 when the API and Neo4j answer and the token is accepted, 1 otherwise.`)
  .action((options) => withClient('status', (client) => statusCommand(options, client)));

program
  .command('lineage')
  .description('Print the lineage of a datum, execution, model version or dataset version as a tree')
  .argument('<ref>', 'an id, datum://<id>, datum://<alias>, an external URI, model://<name>/<n> or dataset://<name>/<version>')
  .option('--up', 'what it was derived from (the default)')
  .option('--down', 'what was derived from it (with --up: both trees)')
  .option('--depth <n>', 'hops to walk, 1..50; one hop is datum -> execution -> datum', integer, 3)
  .option('--limit <n>', 'most nodes to show, 1..10000; the nearest are kept', integer, 500)
  .option('--project <name>', 'the project, when an alias or version URI exists in several')
  .option('--json', 'print the lineage graph (nodes, edges, depthReached, truncated) as JSON')
  .addHelpText('after', API_HELP)
  .action((ref: string, options) => withClient('lineage', (client) => lineageCommand(ref, options, client)));

program.addCommand(tokenCommand());

program.parseAsync().catch((error) => {
  const known = error instanceof ConfigError || error instanceof LocalNeo4jError;
  console.error(known ? `pedigree: ${error.message}` : error);
  process.exit(1);
});

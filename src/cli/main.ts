import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { configVariables, ConfigError, loadConfig } from '../config.js';
import { LocalNeo4jError } from '../neo4j-local/launcher.js';
import { log } from '../logging.js';
import { packageRoot } from '../paths.js';
import { withClient } from './client.js';
import { executionCommand, recordOptions } from './execution.js';
import { ingestCommand } from './ingest.js';
import { lineageCommand } from './lineage.js';
import { statusCommand } from './status.js';
import { tokenCommand } from './token.js';
import { TRACE_DEPTH, traceCommand } from './trace.js';

const API_HELP = '\nTalks to the API at PEDIGREE_URL (default http://localhost:4000) with PEDIGREE_TOKEN.';

const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return Number(value);
};

const program = new Command('pedigree')
  .description('Pedigree: a GraphQL lineage and metadata API over Neo4j')
  // so a user can tell which copy the PATH finds
  .version(JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version)
  .showHelpAfterError();

program
  .command('start')
  .description('Run the API server (and the local Neo4j when NEO4J_URI is unset)')
  .addHelpText('after', '\nConfiguration (environment variables, with defaults):\n' + configVariables.map(([k, v]) => `  ${k.padEnd(28)}${v}`).join('\n'))
  .action(async () => {
    // the server (Apollo, Express, the driver) loads only for the command that runs it
    const { startServer } = await import('../main.js');
    const server = await startServer(loadConfig());
    const stop = async (signal: string) => {
      log('shutting down', { signal });
      await server.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

recordOptions(
  program
    .command('ingest')
    .description('Register every file under <dir> as a datum produced by the execution, with sidecar and manifest metadata')
    .argument('<dir>', 'the outputs folder')
    .option('--execution <id>', 'the execution that produced the files')
    .option('--new-execution <name>', 'instead of --execution: record an execution of this name (and start it), ingest into it, and print its id on the last line')
    .option('--project <name>', 'with --new-execution: its project'),
)
  .option('--allow-partial', 'write the files without problems and list the rest (default: any problem writes nothing)')
  .option('--strict', 'refuse names that look like metadata but are not read as metadata (metadata.json, <file>.meta.json); without it they are ingested as data files, with a warning')
  .option('--dry-run', 'print what would change (values, tags, alias, versions), write nothing')
  .option('--json', 'print the report as JSON')
  .addHelpText(
    'after',
    `${API_HELP}
With --new-execution, --kind, --parent, --commit, --repository, --image, --hardware, --host
and --parameters describe the new execution (as in \`pedigree execution create\`).

Sidecars: <file>.metadata.json beside <file>. Manifest: valohai.metadata.jsonl at the root,
one {"file": "<relative path>", "metadata": {...}} per line.

The folder is read and checked here first: a problem found then sends nothing (and creates no
execution). A folder that fits in one request (2000 files, about 4 MB) is then written by that
request, all or nothing. A larger one is sent in n requests: each is checked by the API (a dry
run) before any is written, then they are written one by one; if request k of n fails while
writing (the API or the network goes away), requests 1..k-1 stay written. Run the same command
again: ingesting is idempotent, so it writes only what is missing.`,
  )
  .action(async (dir: string, options) => {
    process.exitCode = await ingestCommand(dir, options);
  });

program.addCommand(executionCommand(API_HELP));

program
  .command('trace')
  .description('Hash a local file (sha256) and show the datums with those bytes: who produced them from what, who read them, the deployments relying on them, aliases, versions')
  .argument('<file>', 'a local file, e.g. a model you were handed')
  .option('--project <name>', 'look only in this project')
  .option('--json', 'print the datums as JSON')
  .addHelpText('after', `${API_HELP}\nDeployments are executions of kind DEPLOYMENT up to ${TRACE_DEPTH} hops downstream. Exit code 1 when no datum has the file's bytes.`)
  .action((file: string, options) => withClient('trace', (client) => traceCommand(file, options, client)));

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

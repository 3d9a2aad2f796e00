import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { configVariables, ConfigError, loadConfig } from '../config.js';
import { LocalNeo4jError } from '../neo4j-local/launcher.js';
import { log } from '../logging.js';
import { packageRoot } from '../paths.js';
import { EVENT_TYPES } from '../domain/events.js';
import { DIFF_DEPTH, IMPACT_DEPTH, IMPACT_LIMIT, LINEAGE_DEPTH, LINEAGE_LIMIT, PATH_HOPS, PATH_LIMIT } from '../domain/lineage.js';
import { withClient } from './client.js';
import { diffCommand } from './diff.js';
import { executionCommand, recordOptions } from './execution.js';
import { impactCommand } from './impact.js';
import { ingestCommand } from './ingest.js';
import { lineageCommand } from './lineage.js';
import { pathsCommand } from './paths.js';
import { statusCommand } from './status.js';
import { tokenCommand } from './token.js';
import { TRACE_DEPTH, traceCommand } from './trace.js';
import { watchCommand } from './watch.js';
import { webhookCommand } from './webhook.js';

const API_HELP = '\nTalks to the API at PEDIGREE_URL (default http://localhost:4000) with PEDIGREE_TOKEN.';

const integer = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
  return Number(value);
};

// what the lineage commands accept for a node, and how they choose among projects and times
const REF = 'an id, datum://<id>, datum://<alias>, an external URI, model://<name>/<n> or dataset://<name>/<version>';
const PROJECT = 'the project, when an alias or version URI exists in several';
const AS_OF = 'an ISO time (2024-06-03T12:00:00Z): the graph as it stood then, a datum://<alias> where it pointed then';
const HOP = 'one hop is datum -> execution -> datum';

const program = new Command('pedigree')
  .description('Pedigree: a GraphQL lineage and metadata API over Neo4j')
  // so a user can tell which copy the PATH finds
  .version(JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version)
  .showHelpAfterError();

program
  .command('start')
  .description('Run the API server (and the local Neo4j when NEO4J_URI is unset)')
  .addHelpText('after', '\nConfiguration (environment variables, with defaults):\n' + configVariables.map(([k, v]) => `  ${k.padEnd(30)}${v}`).join('\n'))
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
  .argument('<ref>', REF)
  .option('--up', 'what it was derived from (the default)')
  .option('--down', 'what was derived from it (with --up: both trees)')
  .option('--depth <n>', `hops to walk, 1..${LINEAGE_DEPTH.max}; ${HOP}`, integer, LINEAGE_DEPTH.default)
  .option('--limit <n>', `most nodes to show, 1..${LINEAGE_LIMIT.max}; the nearest are kept`, integer, LINEAGE_LIMIT.default)
  .option('--project <name>', PROJECT)
  .option('--json', 'print the lineage graph (nodes, edges, depthReached, truncated) as JSON')
  .addHelpText('after', API_HELP)
  .action((ref: string, options) => withClient('lineage', (client) => lineageCommand(ref, options, client)));

program
  .command('impact')
  .description('What breaks if a datum, execution, model version or dataset version is wrong: the deployments and the model versions waiting for approval downstream, the aliases that point or pointed there, every downstream node by kind')
  .argument('<ref>', REF)
  .option('--depth <n>', `hops to walk downstream, 1..${IMPACT_DEPTH.max}; ${HOP}`, integer, IMPACT_DEPTH.default)
  .option('--limit <n>', `most nodes, 1..${IMPACT_LIMIT.max}; the nearest are kept`, integer, IMPACT_LIMIT.default)
  .option('--as-of <time>', AS_OF)
  .option('--project <name>', PROJECT)
  .option('--json', 'print the impact (root, nodes, deployments, modelVersions, datasetVersions, aliases, truncated) as JSON')
  .addHelpText('after', `${API_HELP}\nAn alias is "current" when it points at the node now (or at --as-of), "past" when it\npointed there once. A node marked … has more downstream beyond --depth.`)
  .action((ref: string, options) => withClient('impact', (client) => impactCommand(ref, options, client)));

program
  .command('paths')
  .description('How one node led to another: every path between two nodes, following lineage one way, shortest first, with the input each step read')
  .argument('<from>', REF)
  .argument('<to>', 'the other node, in the same forms')
  .option('--max-hops <n>', `longest path, 1..${PATH_HOPS.max}; ${HOP}`, integer, PATH_HOPS.default)
  .option('--limit <n>', `most paths, 1..${PATH_LIMIT.max}; the shortest are kept`, integer, PATH_LIMIT.default)
  .option('--as-of <time>', AS_OF)
  .option('--project <name>', PROJECT)
  .option('--json', 'print the paths (direction, paths with their nodes and edges, truncated) as JSON')
  .addHelpText('after', `${API_HELP}\nDOWNSTREAM: <to> was derived from <from>; UPSTREAM: <from> was derived from <to>;\nor not connected within --max-hops (exit code 0 all the same).`)
  .action((from: string, to: string, options) => withClient('paths', (client) => pathsCommand(from, to, options, client)));

program
  .command('diff')
  .description('Why two datums, model versions or dataset versions differ: their upstreams compared step by step, with the commit, image, hardware, parameters, metadata and inputs that changed')
  .argument('<a>', REF)
  .argument('<b>', 'the other node, of the same kind, in the same forms')
  .option('--depth <n>', `hops to walk upstream of each, 1..${DIFF_DEPTH.max}; ${HOP}`, integer, DIFF_DEPTH.default)
  .option('--project <name>', PROJECT)
  .option('--json', 'print the diff (a, b, common, onlyInA, onlyInB, executions with their changes) as JSON')
  .addHelpText('after', `${API_HELP}\nSteps are paired by name, the nearest run of each name in each upstream; an input\nthat changed shows what each run read.`)
  .action((a: string, b: string, options) => withClient('diff', (client) => diffCommand(a, b, options, client)));

program.addCommand(tokenCommand());

program.addCommand(webhookCommand(API_HELP));

program
  .command('watch')
  .description("Print a project's change events as they commit (alias moves, model version decisions, metadata, execution status, lineage), until Ctrl-C")
  .argument('<project>', 'the project to watch')
  .option('--type <type...>', `only these event types: ${EVENT_TYPES.join(', ')}`)
  .option('--json', 'print each event as one line of JSON (id, type, project, seq, at, by, data)')
  .addHelpText(
    'after',
    `${API_HELP}
A GraphQL subscription over WebSocket at PEDIGREE_URL's /graphql. It hears what commits
after it starts, through any replica; if the connection ends it exits with code 1 (what
commits before it is run again is not shown).`,
  )
  .action(async (project: string, options) => {
    process.exitCode = await watchCommand(project, options);
  });

program.parseAsync().catch((error) => {
  const known = error instanceof ConfigError || error instanceof LocalNeo4jError;
  console.error(known ? `pedigree: ${error.message}` : error);
  process.exit(1);
});

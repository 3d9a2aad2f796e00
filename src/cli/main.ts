import { Command } from 'commander';
import { configVariables, ConfigError, loadConfig } from '../config.js';
import { LocalNeo4jError } from '../neo4j-local/launcher.js';
import { log, startServer } from '../main.js';
import { ingestCommand } from './ingest.js';
import { tokenCommand } from './token.js';

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
  .addHelpText('after', '\nTalks to the API at PEDIGREE_URL (default http://localhost:4000) with PEDIGREE_TOKEN.\nSidecars: <file>.metadata.json beside <file>. Manifest: valohai.metadata.jsonl at the root,\none {"file": "<relative path>", "metadata": {...}} per line.')
  .action(async (dir: string, options) => {
    process.exitCode = await ingestCommand(dir, options);
  });

program.addCommand(tokenCommand());

program.parseAsync().catch((error) => {
  const known = error instanceof ConfigError || error instanceof LocalNeo4jError;
  console.error(known ? `pedigree: ${error.message}` : error);
  process.exit(1);
});

import { Command } from 'commander';
import { configVariables, ConfigError, loadConfig } from '../config.js';
import { LocalNeo4jError } from '../neo4j-local/launcher.js';
import { log, startServer } from '../main.js';

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

program.parseAsync().catch((error) => {
  const known = error instanceof ConfigError || error instanceof LocalNeo4jError;
  console.error(known ? `pedigree: ${error.message}` : error);
  process.exit(1);
});

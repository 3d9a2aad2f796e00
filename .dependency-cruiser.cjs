/**
 * The layers of the house (README, "Architecture") point one way; `npm run deps` fails on
 * an import against them. Type-only imports of shapes from a lower layer are allowed where
 * noted: they carry no code.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Two modules importing each other have no order to understand them in.', from: {}, to: { circular: true } },
    {
      name: 'resolvers-not-to-db',
      severity: 'error',
      comment: 'Resolvers read arguments and call a loader or a service; Cypher and the driver live below them.',
      from: { path: '^resolvers/' },
      to: { path: '^src/db/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-is-the-bottom',
      severity: 'error',
      comment: 'The domain (errors, validation, rules, shapes) is what every layer may import; it imports none of them.',
      from: { path: '^src/domain/' },
      to: { path: '^(src/(db|services|loaders|ingest|cli|http|graphql)/|src/(server|main|context)\\.ts|resolvers/)' },
    },
    {
      name: 'db-not-to-services',
      severity: 'error',
      comment: 'Builders and the executor know no business: services compose them, not the other way round.',
      from: { path: '^src/db/' },
      to: { path: '^(src/(services|loaders|ingest|cli|http|graphql)/|src/(server|main|context)\\.ts|resolvers/)' },
    },
    {
      name: 'loaders-not-to-services',
      severity: 'error',
      from: { path: '^src/loaders/' },
      to: { path: '^(src/(services|ingest|cli|http|graphql)/|src/(server|main|context)\\.ts|resolvers/)' },
    },
    {
      name: 'services-not-upward',
      severity: 'error',
      comment: 'Services do not know how they are called (GraphQL, HTTP, the CLI).',
      from: { path: '^src/services/' },
      to: { path: '^(src/(cli|http|graphql)/|src/(server|main|context)\\.ts|resolvers/)' },
    },
    {
      name: 'ingest-not-to-services',
      severity: 'error',
      comment: 'Folder reading and manifest parsing are shared by the CLI (an API client) and the service; they import neither.',
      from: { path: '^src/ingest/' },
      to: { path: '^(src/(services|loaders|cli|http|graphql)/|src/(server|main|context)\\.ts|resolvers/)' },
    },
    {
      name: 'cli-is-an-api-client',
      severity: 'error',
      comment: 'pedigree status, lineage, ingest… talk HTTP: they must not load Apollo, the driver or the server. Only `start` loads the server, lazily.',
      from: { path: '^src/cli/' },
      to: { path: '^(src/(db|services|loaders|http|graphql)/|src/(server|main|context)\\.ts|resolvers/)', dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'cli-loads-no-server',
      severity: 'error',
      comment: 'Nothing a CLI command imports, however indirectly, loads the driver or Apollo. The entry point is checked apart: its start action loads the server, lazily.',
      from: { path: '^src/cli/', pathNot: '^src/cli/main\\.ts$' },
      to: { path: 'node_modules/(neo4j-driver|@apollo)/', reachable: true },
    },
    {
      name: 'cli-entry-imports-clients-only',
      severity: 'error',
      comment: 'Besides the commands, the entry point reads the configuration and knows the local Neo4j launcher\'s error; the server comes only through start\'s dynamic import.',
      from: { path: '^src/cli/main\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(cli/|config\\.ts|logging\\.ts|paths\\.ts|neo4j-local/|domain/)', dependencyTypesNot: ['dynamic-import'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs'] },
  },
};

/**
 * Three tiers, each runnable alone (see package.json): unit and cypher tests need no
 * database; integration and e2e tests share one real Neo4j started by the global setup.
 * Files run one at a time because they share that database and clean it between files.
 */
const tier = (name) => ({
  displayName: name,
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
});

export default {
  projects: [tier('unit'), tier('cypher'), tier('integration'), tier('e2e')],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
};

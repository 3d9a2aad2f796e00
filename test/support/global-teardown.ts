export default async function globalTeardown() {
  await (globalThis as { __pedigreeStop?: () => Promise<void> }).__pedigreeStop?.();
}

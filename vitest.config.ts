import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // TEMPORARY (issue 12): the chaos short tests that need the other parts of the issue
    // (gossip/DHT authority, connection policy, bounded serving, gossip scoring) fail until
    // those are merged; remove this line once they are, and the file runs with the rest.
    exclude: [...configDefaults.exclude, 'tests/chaos/after-fixes.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks'
  }
})

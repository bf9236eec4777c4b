import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default on a 2-core machine is one worker (cores − 1): the suite ran file after
    // file while most files wait on sockets, processes and timers. Two forks fill both cores
    // (three measured no faster here: 174 s against 165 s).
    maxWorkers: 2,
    // A file does not get a fresh module graph: each fork imports libp2p, the schemas and the
    // codecs once instead of once per file (import time 75 s → 7 s in all). Tests build their own
    // nodes, stores and homes and keep no state in modules, so isolation bought nothing but time.
    isolate: false
  }
})

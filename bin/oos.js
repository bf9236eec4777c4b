#!/usr/bin/env -S node --max-semi-space-size=32
// The `oos` command. oosnet needs Node >= 22.18 (libp2p 3; TypeScript type stripping).
// On an older Node (e.g. a machine's Node 20), re-run under the Node 24 that the
// `node` devDependency installed into node_modules, so a fresh checkout works as is.
// --max-semi-space-size=32 (MB; V8's default here is 64): ingest allocates many short-lived
// objects per record, and a young generation that fits the CPU caches costs the main thread
// about half as much CPU per record (README, "Figures"). `npm run …` and the Dockerfile
// pass the same flag.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  const here = dirname(fileURLToPath(import.meta.url))
  const local = join(here, '..', 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(local)) {
    process.stderr.write(`oos: Node ${process.versions.node} is too old (need >= 22.18); run 'npm install' first\n`)
    process.exit(2)
  }
  const r = spawnSync(local, ['--max-semi-space-size=32', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
await import('../src/cli/main.ts')

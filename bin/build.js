// `npm run build` (also `prepare`: `npm install` in a checkout, `npm pack`): the JavaScript of
// src/ emitted ahead of time into dist/ (tsconfig.build.json: src only, no comments, no maps),
// and protocol/openapi.yaml as JSON beside it (src/api/spec.ts reads the JSON when it runs
// from dist/), and the files of src/ that are not TypeScript copied as they are. Stamps the tree with the build's START time, so that a file edited while tsc
// runs leaves the build stale (bin/dist.js). Built into dist.next/ and swapped in whole: a
// node running from dist/ meanwhile (it loads some modules late) never sees half a tree.
// Runs on any Node that runs tsc.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inputs, STAMP } from './dist.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const start = new Date()
const built = inputs(root).files
const next = join(root, 'dist.next')
const old = join(root, 'dist.old')
rmSync(next, { recursive: true, force: true })
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', next], { stdio: 'inherit' })
if (tsc.status !== 0) {
  rmSync(next, { recursive: true, force: true }) // never a half-built tree; dist/ as it was
  process.stderr.write('oos build: tsc failed; dist/ left as it was (bin/oos.js runs src/ while it is older than src/)\n')
  process.exit(tsc.status ?? 1)
}
// the files of src/ that are not TypeScript (the web UI's ui.css and ui.js), where src/ has them
for (const f of built.filter(f => f.startsWith('src/') && !f.endsWith('.ts'))) {
  mkdirSync(dirname(join(next, f)), { recursive: true })
  copyFileSync(join(root, f), join(next, f))
}
const YAML = require('yaml')
mkdirSync(join(next, 'protocol'), { recursive: true })
writeFileSync(join(next, 'protocol', 'openapi.json'), JSON.stringify(YAML.parse(readFileSync(join(root, 'protocol', 'openapi.yaml'), 'utf8'))))
const stamp = join(next, STAMP.slice('dist/'.length))
// the inputs as they were when the build began (a file added or removed since: stale)
writeFileSync(stamp, built.join('\n') + '\n')
utimesSync(stamp, start, start)
rmSync(old, { recursive: true, force: true })
try { renameSync(join(root, 'dist'), old) } catch (err) { if (err.code !== 'ENOENT') throw err }
renameSync(next, join(root, 'dist'))
rmSync(old, { recursive: true, force: true })

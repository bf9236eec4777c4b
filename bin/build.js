// `npm run build` (also `prepare`: `npm install` in a checkout, `npm pack`): the JavaScript of
// src/ emitted ahead of time into dist/ (tsconfig.build.json: src only, no comments, no maps),
// and protocol/openapi.yaml as JSON beside it (src/api/spec.ts reads the JSON when it runs
// from dist/). Stamps dist/.built with the build's START time, so that a file edited while
// tsc runs leaves the build stale (bin/dist.js). Runs on any Node that runs tsc.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { STAMP } from './dist.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const start = new Date()
rmSync(join(root, 'dist'), { recursive: true, force: true })
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
if (tsc.status !== 0) {
  rmSync(join(root, 'dist'), { recursive: true, force: true }) // never a half-built tree
  process.stderr.write('oos build: tsc failed; dist/ removed (bin/oos.js runs src/)\n')
  process.exit(tsc.status ?? 1)
}
const YAML = require('yaml')
mkdirSync(join(root, 'dist', 'protocol'), { recursive: true })
writeFileSync(join(root, 'dist', 'protocol', 'openapi.json'), JSON.stringify(YAML.parse(readFileSync(join(root, 'protocol', 'openapi.yaml'), 'utf8'))))
writeFileSync(join(root, STAMP), `${start.toISOString()}\n`)
utimesSync(join(root, STAMP), start, start)

// JavaScript emitted ahead of time (issue 15, "A lean idle node"): `npm run build` (bin/build.js)
// compiles src/ into dist/ and stamps it; bin/oos.js runs dist/ only while it is fresh, that is,
// while no input of the build is newer than the stamp, and src/ (type stripping) otherwise, so
// an edit never runs stale code. Running dist/ spares a process the type stripper (amaro's
// wasm, ~17 MB resident) and each module's stripping at start (bench/README.md).
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** the stamp the build writes last; its mtime is set to the build's start */
export const STAMP = join('dist', '.built')
/** what the build reads: every file and folder of these trees (a folder's mtime moves when a file is added, removed or renamed) */
const TREES = ['src']
/** and these files */
const FILES = ['tsconfig.json', 'tsconfig.build.json', 'protocol/openapi.yaml', 'protocol/schema']

/** The newest mtime (ms) among the build's inputs under `root`, or Infinity if one cannot be read. */
export function newestInput (root) {
  let newest = 0
  const walk = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs)
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else newest = Math.max(newest, statSync(p).mtimeMs)
    }
  }
  try {
    for (const t of TREES) walk(join(root, t))
    for (const f of FILES) {
      const p = join(root, f)
      if (statSync(p).isDirectory()) walk(p)
      else newest = Math.max(newest, statSync(p).mtimeMs)
    }
  } catch {
    return Infinity
  }
  return newest
}

/** Whether `root`/dist holds a build of the inputs as they are now. */
export function distIsFresh (root) {
  let built
  try { built = statSync(join(root, STAMP)).mtimeMs } catch { return false }
  return newestInput(root) <= built
}

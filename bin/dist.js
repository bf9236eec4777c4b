// JavaScript emitted ahead of time (issue 15, "A lean idle node"): `npm run build` (bin/build.js)
// compiles src/ into dist/ and stamps it; bin/oos.js runs dist/ only while it is fresh, that is,
// while the build's inputs are the files the stamp lists and none is newer than the stamp, and
// src/ (type stripping) otherwise, so an edit never runs stale code. Running dist/ spares a
// process the type stripper (amaro's wasm, ~17 MB resident) and each module's stripping at start
// (bench/README.md). Folders' mtimes are not read: an install from a tarball dates the folders
// it creates at the install, and the files (and the stamp) at npm's fixed packing date.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

/** the stamp the build writes last (the inputs it built, one a line); its mtime is set to the build's start */
export const STAMP = join('dist', '.built')
/** what the build reads: every file of these trees and these files */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'protocol/openapi.yaml', 'protocol/schema']

/** The build's inputs under `root` (relative paths, sorted) and the newest of their mtimes (ms). */
export function inputs (root) {
  const files = []
  let newest = 0
  const visit = (p) => {
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) visit(join(p, name))
    } else {
      files.push(relative(root, p))
      newest = Math.max(newest, st.mtimeMs)
    }
  }
  for (const i of INPUTS) visit(join(root, i))
  return { files: files.sort(), newest }
}

/** Whether `root`/dist holds a build of the inputs as they are now. */
export function distIsFresh (root) {
  try {
    const stamp = join(root, STAMP)
    const built = statSync(stamp).mtimeMs
    const { files, newest } = inputs(root)
    return newest <= built && readFileSync(stamp, 'utf8') === files.join('\n') + '\n'
  } catch {
    return false // no stamp, or an input that cannot be read
  }
}

// Loaded with `node --import` by bin/oos.js when oosnet runs from inside a node_modules directory
// (installed from a tarball or the registry: `npm install -g oosnet-0.1.0.tgz`). Node strips
// TypeScript types itself, but never for files under node_modules
// (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING); this hook strips the types of oosnet's own .ts
// files (module.stripTypeScriptTypes, the same transform) and leaves every other file to Node.
// A worker thread inherits `--import`, so the verify workers load the same way.
import { registerHooks, stripTypeScriptTypes } from 'node:module'
import { readFileSync } from 'node:fs'

const ROOT = new URL('../', import.meta.url).href
const DEPENDENCIES = new URL('../node_modules/', import.meta.url).href

// the transform is marked experimental in Node 24 and warns once per thread: not our user's business
const emitWarning = process.emitWarning
process.emitWarning = function (warning, ...rest) {
  if (String(typeof warning === 'string' ? warning : warning?.message).includes('stripTypeScriptTypes')) return
  return emitWarning.call(process, warning, ...rest)
}

registerHooks({
  load (url, context, nextLoad) {
    if (!url.startsWith(ROOT) || url.startsWith(DEPENDENCIES) || !url.endsWith('.ts')) return nextLoad(url, context)
    return { format: 'module', source: stripTypeScriptTypes(readFileSync(new URL(url), 'utf8')), shortCircuit: true }
  }
})

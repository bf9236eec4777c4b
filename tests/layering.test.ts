/**
 * The house rules (issue 13, "CI checks the house"; the picture is in the README / DESIGN.md):
 * who may import whom between the folders of src/, which folders are pure (no I/O), who may
 * touch the store's internals and import its writer, where a decoded record may be cast, and no
 * cycles between folders.
 *
 * Every file under src/ is parsed with the TypeScript compiler API (static imports, `import type`,
 * re-exports and `import('…')` alike: a type import ties the layers as much as a value import).
 * Each violation is printed as `file → import (rule)`.
 *
 * It is a ratchet: a violation that cannot be removed yet is listed in KNOWN below with why it is
 * still there and what removes it. The test fails on any violation not in KNOWN, and on any KNOWN
 * entry that no longer occurs, so the list can only shrink. (Issue 13 began with 112 entries.)
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(ROOT, 'src')

/**
 * Allowed folder → folder imports (a folder may always import itself). The top-level files of
 * src/ count as folders of their own: `errors.ts` (the error base, pure) and `logger.ts`.
 * `index.ts` is the library's public surface: it may import anything and nothing imports it.
 * The order is the picture's, bottom up: a folder only names folders above it in this table.
 */
const PURE = ['identity', 'oos', 'records'] as const
const ALLOWED: Record<string, readonly string[]> = {
  'errors.ts': [],
  'logger.ts': [],
  identity: ['errors.ts'],
  oos: ['errors.ts'],
  records: ['errors.ts', 'identity', 'oos'],
  store: ['errors.ts', 'logger.ts', 'records'],
  ingest: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'store'],
  // net hands what arrives to ingest; it may read the store (the typed reader), never its internals
  net: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'store', 'ingest'],
  // the trust domain (provenance, trust settings, statements, adopt, rotations): reads the store; app/ calls it
  trust: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'store'],
  node: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'store', 'ingest', 'net', 'trust'],
  app: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'store', 'ingest', 'net', 'trust', 'node'],
  // the web explorer's pages: rendered from the app's answers (api/ui.ts serves them)
  web: ['errors.ts', 'records', 'oos', 'identity', 'app'],
  // api/ and cli/ call app/ only (pure values and types from records/oos/identity are not a layer)
  api: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'app', 'web'],
  // the MCP server (issue 17): an agent's way in, beside the CLI; the app's operations only,
  // reached through the running node's API client when a node runs (MCP_MAY_USE_OF_API)
  mcp: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'app', 'api'],
  cli: ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'app', 'api', 'mcp'],
  'index.ts': ['errors.ts', 'logger.ts', 'records', 'oos', 'identity', 'store', 'ingest', 'net', 'trust', 'node', 'app', 'api', 'mcp', 'cli']
}
/**
 * cli/ talks to a running node over HTTP: the API's client and wire types are what it may use of
 * api/; and `oos start` is the composition root that builds the node, the app over it and the
 * HTTP server that serves the app, so cli/ may also import the server (api/server.ts takes an
 * `App`; it is handed one, it never reaches below app/).
 */
const CLI_MAY_USE_OF_API = new Set(['src/api/client.ts', 'src/api/types.ts', 'src/api/server.ts'])
/** mcp/ is a client of a running node like the CLI: of api/ it uses the client (and its wire types) only, never the server */
const MCP_MAY_USE_OF_API = new Set(['src/api/client.ts', 'src/api/types.ts'])
/** node: modules that do I/O (files, sockets, processes, threads, terminals); pure folders import none */
const IO_MODULES = new Set(['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'dns', 'dns/promises', 'tls',
  'child_process', 'worker_threads', 'cluster', 'readline', 'readline/promises', 'inspector', 'repl', 'process'])
/**
 * The store's key layout and raw access: private to store/ (issue 13, "a typed store with one
 * writer"). store/store.ts is the reader (typed queries); keys.ts, values.ts and level.ts (the
 * database, `scan`, `getRaw`) are imported by store/ alone, and raw access is also recognised by
 * the method names called (`x.scan(…)`, `x.getRaw(…)`).
 */
const STORE_PRIVATE_FILES = new Set(['src/store/keys.ts', 'src/store/values.ts', 'src/store/level.ts'])
const STORE_RAW_METHODS = new Set(['getRaw', 'scan'])
/** the store's one writer: only ingest/ (and store/ itself) imports its module */
const STORE_WRITER_FILE = 'src/store/transactor.ts'
const WRITER_FOLDERS = new Set(['ingest', 'store'])
/**
 * Decoded records are typed by a checked decoder (records/read.ts, records/codec.ts) or come
 * typed out of the store's reader: a type argument on `dagCbor.decode<…>` is a cast, allowed in
 * records/ and store/ only. `unknown` and `Record<string, unknown>` name no record: envelopes
 * their callers then check field by field.
 */
const DECODE_CAST_FOLDERS = new Set(['records', 'store'])
const UNTYPED_DECODE = new Set(['unknown', 'Record<string, unknown>'])

/** why each KNOWN violation is still there → the issue-13 step that removes it */

/**
 * Violations that need the redesign. Each: why it is still there → which issue-13 step removes it.
 * Keep each entry exactly as the test prints it.
 */
const KNOWN: Record<string, string> = {
}

function listFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return listFiles(p)
    return /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

const rel = (p: string): string => relative(ROOT, p).split('\\').join('/')
/** `src/records/cid.ts` → `records`; `src/errors.ts` → `errors.ts` */
const folderOf = (file: string): string => file.split('/')[1] as string

interface Parsed { specs: string[], methods: Set<string>, decodeCasts: string[] }

function parse (path: string, text = readFileSync(path, 'utf8')): Parsed {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const specs: string[] = []
  const methods = new Set<string>()
  const decodeCasts: string[] = []
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier !== undefined && ts.isStringLiteral(n.moduleSpecifier)) {
      specs.push(n.moduleSpecifier.text)
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] !== undefined && ts.isStringLiteralLike(n.arguments[0])) {
      specs.push(n.arguments[0].text)
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      specs.push(n.argument.literal.text)
    } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      methods.add(n.expression.name.text)
      if (n.expression.name.text === 'decode' && n.typeArguments !== undefined) {
        for (const t of n.typeArguments) if (!UNTYPED_DECODE.has(t.getText(sf))) decodeCasts.push(`${n.expression.expression.getText(sf)}.decode<${t.getText(sf)}>`)
      }
    }
    ts.forEachChild(n, visit)
  }
  visit(sf)
  return { specs, methods, decodeCasts }
}

/** The violations of one file of src/ (`abs`), given its text; adds its folder's edges to `folders`. */
function fileViolations (abs: string, text: string, folders: Map<string, Set<string>>): string[] {
  const violations: string[] = []
  const file = rel(abs)
  const from = folderOf(file)
  const { specs, methods, decodeCasts } = parse(abs, text)
  const pure = (PURE as readonly string[]).includes(from)
  if (ALLOWED[from] === undefined) violations.push(`${file} (folder ${from}/ is not placed in the layering table)`)
  for (const spec of specs) {
    if (spec.startsWith('node:') || IO_MODULES.has(spec)) {
      const mod = spec.replace(/^node:/, '')
      if (pure && IO_MODULES.has(mod)) violations.push(`${file} → ${spec} (pure ${from}/ does no I/O)`)
      continue
    }
    if (!spec.startsWith('.')) continue // a package: not a layer of ours
    const target = rel(resolve(dirname(abs), spec))
    if (target.startsWith('protocol/schema/') && target.endsWith('.json')) continue // the spec's schemas: data, not a layer
    if (!target.startsWith('src/')) { violations.push(`${file} → ${spec} (src/ imports outside src/)`); continue }
    const to = folderOf(target)
    if (to === from) continue
    if (!folders.has(from)) folders.set(from, new Set())
    folders.get(from)?.add(to)
    if (from === 'cli' && to === 'api') {
      if (!CLI_MAY_USE_OF_API.has(target)) violations.push(`${file} → ${spec} (cli/ uses only the client and wire types of api/)`)
    } else if (from === 'mcp' && to === 'api') {
      if (!MCP_MAY_USE_OF_API.has(target)) violations.push(`${file} → ${spec} (mcp/ uses only the client and wire types of api/)`)
    } else if (ALLOWED[from]?.includes(to) !== true) {
      violations.push(`${file} → ${spec} (${from}/ may not import ${to}/${pure ? ': pure folders import nothing above them' : ''})`)
    }
    if (STORE_PRIVATE_FILES.has(target)) violations.push(`${file} → ${spec} (store key layout is private to store/)`)
    if (target === STORE_WRITER_FILE && !WRITER_FOLDERS.has(from)) violations.push(`${file} → ${spec} (only ingest/ obtains the store writer)`)
  }
  if (!DECODE_CAST_FOLDERS.has(from)) {
    for (const c of decodeCasts) violations.push(`${file} → ${c} (no cast of decoded records outside records/ and store/: use a checked decoder or a reader query)`)
  }
  if (from !== 'store') {
    for (const m of [...methods].sort()) {
      if (STORE_RAW_METHODS.has(m)) violations.push(`${file} → store.${m} (store internals are private to store/)`)
    }
  }
  return violations
}

function check (): { violations: string[], folders: Map<string, Set<string>> } {
  const violations: string[] = []
  const folders = new Map<string, Set<string>>()
  for (const abs of listFiles(SRC).sort()) violations.push(...fileViolations(abs, readFileSync(abs, 'utf8'), folders))
  for (const cycle of folderCycles(folders)) violations.push(`${cycle.join(' → ')} (no cycles between folders)`)
  return { violations: [...new Set(violations)], folders }
}

/** the strongly connected components of more than one folder, each printed as a closed path from its first folder */
function folderCycles (graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  let n = 0
  const strong = (v: string): void => {
    index.set(v, n); low.set(v, n); n++; stack.push(v); on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { strong(w); low.set(v, Math.min(low.get(v) as number, low.get(w) as number)) } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number))
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = []
      let w: string
      do { w = stack.pop() as string; on.delete(w); scc.push(w) } while (w !== v)
      if (scc.length > 1) out.push(closedPath(graph, scc.sort()))
    }
  }
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v)
  return out.sort((a, b) => a.join().localeCompare(b.join()))
}

/** a shortest path from the component's first folder back to itself, through the component */
function closedPath (graph: Map<string, Set<string>>, scc: string[]): string[] {
  const start = scc[0] as string
  const inScc = new Set(scc)
  const prev = new Map<string, string>()
  const queue = [start]
  while (queue.length > 0) {
    const v = queue.shift() as string
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!inScc.has(w)) continue
      if (w === start) {
        const middle: string[] = []
        for (let x: string | undefined = v; x !== undefined && x !== start; x = prev.get(x)) middle.unshift(x)
        return [start, ...middle, start]
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w) }
    }
  }
  return scc
}

describe('layering (issue 13: CI checks the house)', () => {
  it('the parser sees every form of import, and method calls on the store', () => {
    const { specs, methods } = parse('x.ts', [
      "import { a } from './a.ts'", "import type { B } from '../b/b.ts'", "export { c } from '../c/c.ts'",
      "export * from '../d/d.ts'", "import './e.ts'", "const f = await import('../f/f.ts')",
      "type G = import('../g/g.ts').G", "await store.scan('x'); store.batch().commit()"
    ].join('\n'))
    expect(specs).toEqual(['./a.ts', '../b/b.ts', '../c/c.ts', '../d/d.ts', './e.ts', '../f/f.ts', '../g/g.ts'])
    expect([...methods].sort()).toEqual(['batch', 'commit', 'scan'])
  })

  it('only ingest/ (and store/) may import the store writer; a decoded record is never cast outside records/ and store/', () => {
    const at = (file: string, text: string): string[] => fileViolations(join(ROOT, file), text, new Map())
    const writer = "import { transactor } from '../store/transactor.ts'"
    expect(at('src/net/x.ts', writer)).toEqual(['src/net/x.ts → ../store/transactor.ts (only ingest/ obtains the store writer)'])
    expect(at('src/node/x.ts', writer)).toEqual(['src/node/x.ts → ../store/transactor.ts (only ingest/ obtains the store writer)'])
    expect(at('src/trust/x.ts', `import type { Transactor } from '../store/transactor.ts'`)).toEqual(['src/trust/x.ts → ../store/transactor.ts (only ingest/ obtains the store writer)'])
    expect(at('src/ingest/x.ts', writer)).toEqual([])
    expect(at('src/store/x.ts', "import { transactor } from './transactor.ts'")).toEqual([])
    expect(at('src/node/x.ts', "import { scan } from '../store/level.ts'")).toEqual(['src/node/x.ts → ../store/level.ts (store key layout is private to store/)'])
    const cast = 'const r = dagCbor.decode<SignedRecord>(bytes).rec; const e = dagCbor.decode<Record<string, unknown>>(b); const u = dagCbor.decode<unknown>(b)'
    expect(at('src/node/x.ts', cast)).toEqual(['src/node/x.ts → dagCbor.decode<SignedRecord> (no cast of decoded records outside records/ and store/: use a checked decoder or a reader query)'])
    expect(at('src/store/x.ts', cast)).toEqual([])
    expect(at('src/records/x.ts', cast)).toEqual([])
  })

  it('the table itself only points down: every allowed folder is placed, and the table has no cycle', () => {
    const graph = new Map(Object.entries(ALLOWED).map(([k, v]) => [k, new Set(v)]))
    for (const [from, tos] of graph) for (const to of tos) expect(ALLOWED[to], `${from} → ${to}`).toBeDefined()
    expect(folderCycles(graph)).toEqual([])
    for (const p of PURE) for (const to of ALLOWED[p] as string[]) expect([...PURE, 'errors.ts'], `pure ${p} → ${to}`).toContain(to)
  })

  it('src/ breaks no rule that is not in KNOWN, and every KNOWN entry still occurs (the list only shrinks)', () => {
    const { violations } = check()
    const found = new Set(violations)
    const fresh = violations.filter(v => KNOWN[v] === undefined)
    const gone = Object.keys(KNOWN).filter(k => !found.has(k))
    if (fresh.length > 0) console.error(`new layering violations (${fresh.length}):\n  ${fresh.join('\n  ')}`)
    if (gone.length > 0) console.error(`KNOWN entries that no longer occur: delete them from tests/layering.test.ts (${gone.length}):\n  ${gone.join('\n  ')}`)
    expect(fresh, 'new layering violations').toEqual([])
    expect(gone, 'KNOWN entries that no longer occur').toEqual([])
  })
})

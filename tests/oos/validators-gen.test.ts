import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { standaloneModule } from '../../src/oos/schemas.ts'

const GEN = new URL('../../src/oos/validators.gen.cjs', import.meta.url)

describe('the body validators compiled ahead of time (src/oos/validators.gen.cjs)', () => {
  it('are what the schemas in protocol/schema give now (else: npm run validators)', () => {
    expect(readFileSync(GEN, 'utf8') === standaloneModule(), 'src/oos/validators.gen.cjs is stale: run `npm run validators`').toBe(true)
  })

  it('check a body without loading Ajv (the ingest path compiles nothing)', () => {
    // a fresh process: what validating a real document loads (Ajv registers in the CommonJS cache)
    const script = `
      import { createRequire } from 'node:module'
      import { readFileSync } from 'node:fs'
      import { parseOosMarkdown } from './src/oos/index.ts'
      import { validateBody } from './src/oos/validate.ts'
      const { body } = parseOosMarkdown(readFileSync('tests/fixtures/example.oos.md', 'utf8'))
      validateBody(body)
      let bad = false
      try { validateBody({ ...body, claims: [{ ...body.claims[0], confidence: 'sure' }] }) } catch (e) { bad = e.code }
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter(k => k.includes('/node_modules/ajv/'))
      console.log(JSON.stringify({ bad, ajv: loaded.length }))`
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url), encoding: 'utf8' }))
    expect(out).toEqual({ bad: 'SCHEMA_INVALID', ajv: 0 })
  })
})

// `npm run validators`: writes src/oos/validators.gen.cjs, the body schemas (protocol/schema/)
// compiled ahead of time by Ajv's standalone code (src/oos/schemas.ts says why). Run it after
// changing a schema; tests/oos/validators-gen.test.ts fails until then.
import { writeFileSync } from 'node:fs'
import { standaloneModule } from '../src/oos/schemas.ts'

const out = new URL('../src/oos/validators.gen.cjs', import.meta.url)
const source = standaloneModule()
writeFileSync(out, source)
process.stdout.write(`wrote src/oos/validators.gen.cjs (${source.length} characters)\n`)

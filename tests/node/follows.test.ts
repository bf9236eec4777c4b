/** The follows file (node/follows.ts): concurrent changes, as a bench following many orgs at once makes. */
import { describe, it, expect, afterAll } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Follows } from '../../src/node/follows.ts'
import { generateKeyPair, publicKeyToDid } from '../../src/identity/index.ts'
import { tempDir } from '../helpers.ts'

const dirP = tempDir()
afterAll(async () => { await (await dirP).cleanup() })

describe('follows.json', () => {
  it('20 follows at once are all saved (concurrent saves raced on one temp file: ENOENT on rename)', async () => {
    const home = (await dirP).path
    const f = new Follows(home)
    await f.load()
    const orgs = Array.from({ length: 20 }, () => publicKeyToDid(generateKeyPair().publicKey))
    await Promise.all(orgs.map(async o => await f.add(o)))
    const saved = JSON.parse(await readFile(join(home, 'follows.json'), 'utf8')) as Array<{ org: string }>
    expect(saved.map(s => s.org).sort()).toEqual([...orgs].sort())
    await Promise.all(orgs.slice(0, 10).map(async o => await f.remove(o)))
    const left = new Follows(home)
    await left.load()
    expect(left.list().map(s => s.org).sort()).toEqual(orgs.slice(10).sort())
  })
})

/**
 * protocol/vectors/cars.json against `oos verify FILE.car`'s verification (src/node/car.ts
 * verifyCar), as protocol/CAR.md specifies it: the file's verdict, ROOT_MISSING, the
 * equivocation count and every block's outcome.
 */
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyCar } from '../src/node/car.ts'
import { OosError } from '../src/errors.ts'
import { tempDir } from './helpers.ts'

const cars = JSON.parse(readFileSync(new URL('../protocol/vectors/cars.json', import.meta.url), 'utf8')) as any[]

describe('protocol/vectors/cars.json (CAR.md)', () => {
  it.each(cars.map(v => [`${v.rule} ${v.name}`, v] as const))('%s', async (_n, v) => {
    const dir = await tempDir()
    try {
      const path = join(dir.path, `${v.name}.car`)
      await writeFile(path, Buffer.from(v.carHex, 'hex'))
      if (v.carInvalid === true) {
        const err = await verifyCar(path).then(() => undefined, (e: unknown) => e)
        expect((err as OosError).code).toBe('CAR_INVALID')
        return
      }
      const r = await verifyCar(path)
      expect(r.valid).toBe(v.valid)
      expect(r.reasons.ROOT_MISSING === 1).toBe(v.rootMissing)
      expect(r.equivocation).toBe(v.equivocations)
      const outcomes = Object.values(v.blocks as Record<string, string>)
      const count = (o: string): number => outcomes.filter(x => x === o).length
      expect(r.accepted).toBe(count('accepted'))
      expect(r.equivocation).toBe(count('equivocation'))
      const rejected = Object.entries(v.blocks as Record<string, string>).filter(([, o]) => !['accepted', 'duplicate', 'equivocation'].includes(o))
      expect(r.errors.map(e => [e.cid, e.code]).sort()).toEqual(rejected.sort())
    } finally { await dir.cleanup() }
  })
})

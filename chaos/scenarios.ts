/** The chaos scenarios by name, each run at a scale of the sizes (1: full). */
import { killScenario } from './kill.ts'
import { fuzzRecords } from './fuzz.ts'
import { fuzzFrames } from './frames.ts'

export type Scenario = (scale: number, log: (line: string) => void) => Promise<{ ok: boolean } & Record<string, unknown>>

const at = (n: number, scale: number, min = 1): number => Math.max(min, Math.round(n * scale))

export const SCENARIOS: Record<string, Scenario> = {
  kill: async (scale, log) => ({ ...await killScenario({ kills: at(100, scale, 4), log }) }),
  'fuzz-records': async (scale) => ({ ...await fuzzRecords({ records: at(100_000, scale, 1000) }) }),
  'fuzz-frames': async (scale) => ({ ...await fuzzFrames({ frames: at(10_000, scale, 100) }) })
}

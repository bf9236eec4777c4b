/**
 * The chaos scenarios by name, each run at a scale of the sizes (1: full). `ok` is
 * the pass condition; the figures are printed whether or not it holds.
 */
import { killScenario } from './kill.ts'
import { fuzzRecords } from './fuzz.ts'
import { fuzzFrames } from './frames.ts'
import { partitionScenario } from './partition.ts'
import { netnsPartitionScenario } from './partition-netns.ts'
import { floodScenario } from './flood.ts'
import { forgedScenario } from './forged.ts'
import { crowdScenario } from './crowd.ts'
import { slowScenario } from './slow.ts'

export type Scenario = (scale: number, log: (line: string) => void) => Promise<{ ok: boolean } & Record<string, unknown>>

const at = (n: number, scale: number, min = 1): number => Math.max(min, Math.round(n * scale))

export const SCENARIOS: Record<string, Scenario> = {
  forged: async (scale, log) => ({ ...await forgedScenario({ bindings: at(1000, scale, 50), log }) }),
  crowd: async (scale, log) => ({ ...await crowdScenario({ identities: 230, retryWaitMs: at(30_000, scale, 5000), log }) }),
  'slow-readers': async (scale, log) => ({ ...await slowScenario({ versions: at(3000, scale, 200), identities: at(40, scale, 8), afterMs: at(30_000, scale, 2000), log }) }),
  kill: async (scale, log) => ({ ...await killScenario({ kills: at(100, scale, 4), log }) }),
  'fuzz-records': async (scale) => ({ ...await fuzzRecords({ records: at(100_000, scale, 1000) }) }),
  'fuzz-frames': async (scale) => ({ ...await fuzzFrames({ frames: at(10_000, scale, 100) }) }),
  partition: async (scale, log) => ({ ...await partitionScenario({ size: at(4, scale, 2), versions: at(5, scale, 2), log }) }),
  'partition-netns': async (scale, log) => ({ ...await netnsPartitionScenario({ size: at(3, scale, 2), versions: at(5, scale, 2), holdMs: at(30_000, scale, 5000), log }) }),
  flood: async (scale, log) => ({ ...await floodScenario({ nodes: at(10, scale, 5), rounds: at(10, scale, 4), log }) })
}

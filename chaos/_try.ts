import { partitionScenario } from './partition.ts'
console.log(JSON.stringify(await partitionScenario({ log: console.error })))

import { floodScenario } from './flood.ts'
console.log(JSON.stringify(await floodScenario({ nodes: 6, rounds: 5, log: console.error })))

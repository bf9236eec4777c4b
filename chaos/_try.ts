import { forgedScenario } from './forged.ts'
console.log(JSON.stringify(await forgedScenario({ bindings: 200, log: console.error })))

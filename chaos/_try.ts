import { crowdScenario } from './crowd.ts'
const t = setInterval(() => { console.error('harness rss', Math.round(process.memoryUsage().rss / 1e6)) }, 5000)
console.log(JSON.stringify(await crowdScenario({ identities: 230, retryWaitMs: 10000, log: console.error })))
clearInterval(t)

/**
 * `npm run bench` — prints figures as ratios against baselines measured in the same run.
 * `npm run bench -- --json` prints one JSON object.
 */
import { benchIngest } from './ingest.ts'

const json = process.argv.includes('--json')
const records = Number(process.env.BENCH_RECORDS ?? 3000)
const ingest = await benchIngest({ records })
if (json) {
  console.log(JSON.stringify({ ...ingest }, null, 2))
} else {
  console.log(`ingest: ${ingest.records} distinct signed versions of ${ingest.recordBytes} bytes (${ingest.claimsPerRecord} claims, the published example document)`)
  console.log(`  whole ingest door, bulk (${ingest.workers} verify workers, group commit)            ${ingest.ingestPerSec}/s`)
  console.log(`  whole ingest door, one record at a time on the main thread             ${ingest.inlinePerSec}/s`)
  console.log(`  decode + schema + verify, no store                                       ${ingest.decodeVerifyPerSec}/s`)
  console.log(`  raw Node crypto.verify (OpenSSL) over the same bytes                     ${ingest.verifyPerSec}/s`)
  console.log(`  raw @noble/ed25519 verify over the same bytes                            ${ingest.noblePerSec}/s`)
  console.log(`  ingest (bulk) / raw verify = ${ingest.ingestVsVerify}   ingest (one at a time) / raw verify = ${Math.round(ingest.inlinePerSec / ingest.verifyPerSec * 100) / 100}   crypto.verify / noble = ${ingest.verifyVsNoble}`)
}

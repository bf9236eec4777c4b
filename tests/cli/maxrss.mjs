// Preloaded into an `oos` process by a test (NODE_OPTIONS=--import=<this file>): at exit it
// appends the process's peak resident set size (getrusage ru_maxrss, in KiB) to the file
// named by $OOS_TEST_MAXRSS_FILE, one line per process (a re-exec'd child writes its own).
import { appendFileSync } from 'node:fs'

const file = process.env.OOS_TEST_MAXRSS_FILE
if (file !== undefined) {
  process.on('exit', () => { appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS}\n`) })
}

// Preloaded into an `oos` process by a test (NODE_OPTIONS=--import=<this file>): at exit it
// writes every module URL the process loaded (through import or require), one a line, to the
// file named by $OOS_TEST_LOADED_FILE, then Node's built-in modules it loaded (`builtin:<id>`). Uses module.registerHooks (Node >= 22.15): under an
// older Node (bin/oos.js's wrapper before its re-exec) it records nothing.
import { appendFileSync } from 'node:fs'
import module from 'node:module'

const file = process.env.OOS_TEST_LOADED_FILE
if (file !== undefined && typeof module.registerHooks === 'function') {
  const urls = new Set()
  module.registerHooks({
    load (url, context, next) {
      urls.add(url)
      return next(url, context)
    }
  })
  // and Node's own modules it loaded (`builtin:internal/deps/undici/undici`), import or not
  process.on('exit', () => {
    for (const m of process.moduleLoadList) if (m.startsWith('NativeModule ')) urls.add(`builtin:${m.slice(13)}`)
    appendFileSync(file, [...urls].map(u => `${process.pid} ${u}\n`).join(''))
  })
}

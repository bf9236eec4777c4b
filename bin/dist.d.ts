// Types of bin/dist.js (plain JavaScript: bin/oos.js runs it on any Node, before TypeScript).
export const STAMP: string
/** The newest mtime (ms) among the build's inputs under `root`, or Infinity if one cannot be read. */
export function newestInput (root: string): number
/** Whether `root`/dist holds a build of the inputs as they are now. */
export function distIsFresh (root: string): boolean

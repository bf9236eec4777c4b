// Types of bin/dist.js (plain JavaScript: bin/oos.js runs it on any Node, before TypeScript).
export const STAMP: string
/** The build's inputs under `root` (relative paths, sorted) and the newest of their mtimes (ms). */
export function inputs (root: string): { files: string[], newest: number }
/** Whether `root`/dist holds a build of the inputs as they are now. */
export function distIsFresh (root: string): boolean

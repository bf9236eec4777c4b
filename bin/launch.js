// How an `oos` process is launched, the same everywhere it is (bin/oos.js's shebang and re-exec,
// the npm scripts, the Dockerfile, the benches that start nodes as `oos` would).
//
// V8_FLAGS: see bin/oos.js. MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own
// malloc arena (up to 8 per core); a node's threads (V8's compiler threads, verify workers,
// LevelDB, libuv's pool) each leave one holding a few fragmented MB. Two arenas: an idle node
// ~2 MB smaller (bench/README.md, "A lean idle node"), the ingest door and catch-up unchanged
// within the noise. glibc reads it when a process starts, so it is set in the environment of
// the process launched; a value already set is kept. Other C libraries ignore it.

export const V8_FLAGS = ['--max-semi-space-size=32', '--single-threaded-gc']

/** `env` with the launch defaults that it does not set itself. */
export function launchEnv (env = process.env) {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2' }
}

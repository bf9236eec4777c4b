/** bin/launch.js: how an `oos` process is launched. */
export declare const V8_FLAGS: string[]
/** `env` with the launch defaults (MALLOC_ARENA_MAX=2) that it does not set itself. */
export declare function launchEnv (env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv

/**
 * Drive `oos`: in-process through `main(argv, io)` (`oosIn`, for short commands), or the real
 * binary as a subprocess (`oos`, `startOos`: nodes, signals, the re-exec, the prompt).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/oos.js', import.meta.url))
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Run { code: number, stdout: string, stderr: string, json: () => any }

export function oosEnv (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, OOS_PASSPHRASE: 'correct horse battery staple', OOS_SCRYPT_N: '1024', DEBUG: undefined, ...extra }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
  return env as NodeJS.ProcessEnv
}

/**
 * Run `oos ARGS` to its end. `timeoutMs`: SIGKILL it if it has not ended by then (the
 * result's code is then -1), for commands that must end by themselves.
 */
export async function oos (args: string[], options: { env?: Record<string, string | undefined>, input?: string, timeoutMs?: number } = {}): Promise<Run> {
  return await capture(process.execPath, [BIN, ...args], { env: oosEnv(options.env), input: options.input, timeoutMs: options.timeoutMs })
}

/**
 * Run `oos ARGS` in this process (`main` with its own streams, stdin and environment: no
 * terminal, the passphrase from `env`), with the same result as `oos`. Nothing global is
 * touched, and a command must leave no listener behind (checked: a leak fails the test).
 */
export async function oosIn (args: string[], options: { env?: Record<string, string | undefined>, input?: string } = {}): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const { main } = await import('../../src/cli/main.ts') // loaded by the files that use it only
  const sigint = process.listenerCount('SIGINT')
  const code = await main(args, {
    stdout: { write: (s: string) => { stdout += s }, isTTY: false },
    stderr: { write: (s: string) => { stderr += s }, isTTY: false },
    stdin: Readable.from([options.input ?? '']),
    env: oosEnv(options.env)
  })
  if (process.listenerCount('SIGINT') !== sigint) throw new Error(`oos ${args[0]} left a SIGINT listener behind`)
  return { code, stdout, stderr, json: () => JSON.parse(stdout) }
}

/** Run a program to its end, with what it printed. */
export async function capture (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, input?: string, timeoutMs?: number } = {}): Promise<Run> {
  return await new Promise((resolve, reject) => {
    // past `timeoutMs` spawn's own signal kills it (SIGKILL); its 'close' then gives code -1
    const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs)
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', (err) => { if (err.name !== 'AbortError') reject(err) })
    // a program that ends without reading its input (mkfifo, a usage error) closes the pipe
    // first: EPIPE on our end is not the test's business, the exit code and output are
    child.stdin.on('error', () => {})
    child.on('close', (code) => { resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) }) })
    child.stdin.end(options.input ?? '')
  })
}

export interface Started {
  child: ChildProcess
  /** what `oos start --json` printed once the node ran */
  info: { org: string, peerId: string, multiaddrs: string[], api: string }
  /** resolves when the process has exited: its code, or the signal that killed it */
  exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  stderr: () => string
}

/**
 * `oos start --json ARGS`, run as `command` (default: this Node running bin/oos.js; e.g.
 * another Node, or `npm run --silent oos --`); resolves once the node runs.
 */
export async function startOos (args: string[], options: { command?: string[], onLog?: (text: string) => void } = {}): Promise<Started> {
  const [cmd, ...pre] = options.command ?? [process.execPath, BIN]
  const child = spawn(cmd, [...pre, 'start', '--json', ...args], { cwd: ROOT, env: oosEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  // always read (a full pipe would block the node), keep the last lines for errors
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); if (err.length > 10_000) err = err.slice(-5_000); options.onLog?.(d.toString()) })
  const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => { child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
  const info = await new Promise<Started['info']>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      try { resolve(JSON.parse(out)) } catch {}
    })
    void exit.then(({ code, signal }) => { reject(new Error(`oos start exited ${code ?? signal}: ${err}`)) })
  })
  return { child, info, exit, stderr: () => err }
}

/** Drive the real `oos` binary as a subprocess. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/oos.js', import.meta.url))
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Run { code: number, stdout: string, stderr: string, json: () => any }

export async function oos (args: string[], options: { env?: Record<string, string | undefined>, input?: string } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, OOS_PASSPHRASE: 'correct horse battery staple', OOS_SCRYPT_N: '1024', DEBUG: undefined, ...options.env }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
  return await capture(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, input: options.input })
}

/** Run a program to its end, with what it printed. */
export async function capture (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, input?: string } = {}): Promise<Run> {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => { resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) }) })
    child.stdin.end(options.input ?? '')
  })
}

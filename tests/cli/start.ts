/** `oos start` as a separate process, for tests and benchmarks that need a real node process. */
import { spawn, type ChildProcess } from 'node:child_process'
import { BIN, ROOT } from './run.ts'

export const ENV = { ...process.env, OOS_PASSPHRASE: 'correct horse battery staple', OOS_SCRYPT_N: '1024' }

export interface NodeProcess {
  child: ChildProcess
  /** what `oos start --json` printed: org, peerId, multiaddrs, … */
  info: any
  /** SIGTERM, then the exit code */
  stop: () => Promise<number>
}

/**
 * Start `oos start --json` on 127.0.0.1 with the same Node as this process; resolves once
 * it printed its info. `onLog` gets the node's stderr (always read, so a full pipe never
 * blocks the node).
 */
export async function startNode (home: string, extra: string[] = [], onLog: (text: string) => void = () => {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, [BIN, 'start', '--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', '--json', ...extra], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); if (err.length > 10_000) err = err.slice(-5_000); onLog(d.toString()) })
  const info = await new Promise<any>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      try { resolve(JSON.parse(out)) } catch {}
    })
    child.on('exit', (code) => { reject(new Error(`oos start exited ${String(code)}: ${err}`)) })
  })
  const stop = async (): Promise<number> => await new Promise(resolve => {
    if (child.exitCode !== null) { resolve(child.exitCode); return }
    child.once('exit', (code) => { resolve(code ?? -1) })
    child.kill('SIGTERM')
  })
  return { child, info, stop }
}

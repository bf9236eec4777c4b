/** `oos start` as a separate process on 127.0.0.1, for tests and benchmarks that need a real node process. */
import type { ChildProcess } from 'node:child_process'
import { oosEnv, startOos } from './run.ts'

export const ENV = oosEnv()
/** the passphrase of the homes these nodes run (run.ts oosEnv) */
export const PASSPHRASE = ENV.OOS_PASSPHRASE as string

export interface NodeProcess {
  child: ChildProcess
  /** what `oos start --json` printed: org, peerId, multiaddrs, … */
  info: any
  /** SIGTERM, then the exit code */
  stop: () => Promise<number>
}

/** `oos start --json` for `home` (run.ts startOos); `onLog` gets the node's stderr. */
export async function startNode (home: string, extra: string[] = [], onLog: (text: string) => void = () => {}): Promise<NodeProcess> {
  const s = await startOos(['--home', home, '--listen', '/ip4/127.0.0.1/tcp/0', ...extra], { onLog })
  const stop = async (): Promise<number> => {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM')
    return (await s.exit).code ?? -1
  }
  return { child: s.child, info: s.info, stop }
}

/**
 * A small network of Linux network namespaces for the partition scenario (needs root and
 * `ip`): a hub namespace with a bridge, and one namespace per group joined to it by a veth
 * pair; group g has the address 10.77.0.(g+1)/24. Cutting a group sets its link down in the
 * hub — packets stop, sockets stay open, as in a real partition — and healing sets it up
 * again. Each group namespace runs an agent (ns-agent.ts) through which the harness talks
 * to the nodes' APIs there. Everything is removed by `close()` (and at exit).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { ROOT } from './lib.ts'

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const labs = new Set<NetnsLab>()
process.on('exit', () => { for (const l of labs) l.removeSync() })

/** Whether this machine can make namespaces (root, `ip netns`). */
export function netnsAvailable (): boolean {
  const probe = `oosc-probe-${process.pid}`
  try { ip('netns', 'add', probe); ip('netns', 'del', probe); return true } catch { return false }
}

class Agent {
  private readonly child: ChildProcess
  private next = 0
  private readonly waiting = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()

  constructor (ns: string) {
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, join(ROOT, 'chaos', 'ns-agent.ts')], { stdio: ['pipe', 'pipe', 'inherit'], detached: true })
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { id: number, value?: unknown, error?: string }
      const w = this.waiting.get(m.id)
      this.waiting.delete(m.id)
      if (m.error !== undefined) w?.reject(new Error(m.error))
      else w?.resolve(m.value)
    })
  }

  async call<T> (home: string, method: 'status' | 'publish' | 'follow', input?: unknown): Promise<T> {
    const id = this.next++
    return await new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.child.stdin!.write(JSON.stringify({ id, home, method, input }) + '\n')
    })
  }

  stop (): void { try { process.kill(-(this.child.pid as number), 'SIGKILL') } catch {} }
}

export class NetnsLab {
  readonly tag = `oc${process.pid % 100000}`
  readonly hub = `${this.tag}-hub`
  readonly groups: string[] = []
  readonly agents: Agent[] = []
  private removed = false

  constructor (groups: number) {
    labs.add(this)
    ip('netns', 'add', this.hub)
    ip('-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', this.hub, 'link', 'set', 'br0', 'up')
    for (let g = 0; g < groups; g++) {
      const ns = `${this.tag}-g${g}`
      ip('netns', 'add', ns)
      this.groups.push(ns)
      const [hubEnd, nsEnd] = [`${this.tag}h${g}`, `${this.tag}n${g}`]
      ip('link', 'add', hubEnd, 'type', 'veth', 'peer', 'name', nsEnd)
      ip('link', 'set', hubEnd, 'netns', this.hub)
      ip('link', 'set', nsEnd, 'netns', ns)
      ip('-n', this.hub, 'link', 'set', hubEnd, 'master', 'br0')
      ip('-n', this.hub, 'link', 'set', hubEnd, 'up')
      ip('-n', ns, 'addr', 'add', `${this.address(g)}/24`, 'dev', nsEnd)
      ip('-n', ns, 'link', 'set', nsEnd, 'up')
      ip('-n', ns, 'link', 'set', 'lo', 'up')
      this.agents.push(new Agent(ns))
    }
  }

  address (g: number): string { return `10.77.0.${g + 1}` }

  /** cut group g off (true) or join it again (false) */
  cut (g: number, down: boolean): void { ip('-n', this.hub, 'link', 'set', `${this.tag}h${g}`, down ? 'down' : 'up') }

  removeSync (): void {
    if (this.removed) return
    this.removed = true
    for (const a of this.agents) a.stop()
    for (const ns of [...this.groups, this.hub]) { try { ip('netns', 'del', ns) } catch {} }
    labs.delete(this)
  }
}

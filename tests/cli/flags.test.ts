/**
 * The node's V8 flags are written in four places (bin/oos.js's shebang and its Node-20
 * re-exec, the npm scripts, the Dockerfile): they must agree, and the Node in use must
 * accept them.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, ROOT } from './run.ts'

const bin = readFileSync(BIN, 'utf8')
const shebang = bin.split('\n')[0]
const reexec = JSON.parse((/const V8_FLAGS = (\[[^\]]*\])/.exec(bin)?.[1] ?? '[]').replaceAll("'", '"')) as string[]

describe('the V8 flags a node runs with', () => {
  it('are the same in the shebang and the re-exec of bin/oos.js', () => {
    expect(reexec.length).toBeGreaterThan(0)
    expect(shebang).toBe(`#!/usr/bin/env -S node ${reexec.join(' ')}`)
  })

  it('are passed by the npm scripts that run a node, the bench or the chaos suite', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    for (const name of ['oos', 'demo', 'bench', 'chaos']) expect(scripts[name]).toMatch(new RegExp(`^node ${reexec.join(' ')} `))
  })

  it('are set by the Dockerfile for the node it starts', () => {
    const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    // the exec-form ENTRYPOINT: ["node", <flags…>, "bin/oos.js"]
    const start = (JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)?.[1] ?? '[]') as string[]).join(' ')
    const options = /NODE_OPTIONS=(\S+)/.exec(docker)?.[1] ?? ''
    for (const flag of reexec) expect(`${options} ${start}`).toContain(flag)
  })

  it('are accepted by this Node', () => {
    const r = spawnSync(process.execPath, [...reexec, '-e', 'process.exit(0)'], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})

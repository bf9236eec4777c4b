/**
 * How a node is launched (bin/launch.js: the V8 flags, MALLOC_ARENA_MAX) is written in four
 * places (bin/oos.js's shebang and its Node-20 re-exec, the npm scripts, the Dockerfile): they
 * must agree, and the Node in use must accept the flags. (The re-exec and the npm script are
 * also checked on running nodes: tests/cli/lifecycle.test.ts reads their environment.)
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { V8_FLAGS as reexec, launchEnv } from '../../bin/launch.js'
import { BIN, ROOT } from './run.ts'

const bin = readFileSync(BIN, 'utf8')
const shebang = bin.split('\n')[0]
const ARENAS = launchEnv({}).MALLOC_ARENA_MAX as string

describe('the V8 flags a node runs with', () => {
  it('are the same in the shebang and the re-exec of bin/oos.js', () => {
    expect(reexec.length).toBeGreaterThan(0)
    expect(shebang).toBe(`#!/usr/bin/env -S MALLOC_ARENA_MAX=${ARENAS} node ${reexec.join(' ')}`)
    expect(bin).toContain('V8_FLAGS, ...(installed')
    expect(launchEnv({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4') // a value already set is kept
  })

  it('are passed by the npm scripts that run a node, the bench or the chaos suite', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    for (const name of ['bench', 'chaos']) expect(scripts[name]).toMatch(new RegExp(`^node ${reexec.join(' ')} `))
    // those that run a node as `oos` does, with its malloc arenas (unless the caller set them)
    for (const name of ['oos', 'demo']) expect(scripts[name].startsWith(`MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX:-${ARENAS}} node ${reexec.join(' ')} `)).toBe(true)
  })

  it('are set by the Dockerfile for the node it starts', () => {
    const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    // the exec-form ENTRYPOINT: ["node", <flags…>, "bin/oos.js"]
    const start = (JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)?.[1] ?? '[]') as string[]).join(' ')
    const options = /NODE_OPTIONS=(\S+)/.exec(docker)?.[1] ?? ''
    for (const flag of reexec) expect(`${options} ${start}`).toContain(flag)
    expect(docker).toMatch(new RegExp(`^\\s+MALLOC_ARENA_MAX=${ARENAS} \\\\$`, 'm'))
  })

  it('are accepted by this Node', () => {
    const r = spawnSync(process.execPath, [...reexec, '-e', 'process.exit(0)'], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})

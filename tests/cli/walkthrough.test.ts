import { describe, it, expect } from 'vitest'
import { spawnSync } from 'node:child_process'
import { ROOT } from './run.ts'

describe('examples/walkthrough.sh', () => {
  it('runs init → publish → diff → export → verify → import → tamper end to end', () => {
    const r = spawnSync('bash', ['examples/walkthrough.sh'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OOS_SCRYPT_N: '1024' }, timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('published version 2')
    expect(r.stdout).toMatch(/~ C002 .*confidence MEDIUM → HIGH/)
    expect(r.stdout).toContain('valid: 2 accepted')
    expect(r.stdout).toContain('(invalid, exit 1)')
    expect(r.stderr).toContain('[CID_MISMATCH]')
  })
})

import { CID } from 'multiformats/cid'
import { errorFromCode } from '../../errors.ts'
import { resolve } from 'node:path'
import { verifyCar } from '../../app/files.ts'
import { str, type Command } from '../command.ts'
import { UsageError, VerificationFailedError } from '../errors.ts'
import { withBackend } from '../backend.ts'
import type { ClaimRef } from '../../app/types.ts'

function summary (r: { accepted: number, duplicate: number, equivocation: number, rejected: number, reasons: Record<string, number> }): string {
  const reasons = Object.entries(r.reasons).map(([k, v]) => `${k} ×${v}`).join(', ')
  return `${r.accepted} accepted, ${r.duplicate} already held, ${r.equivocation} equivocation proofs, ${r.rejected} rejected${reasons !== '' ? ` (${reasons})` : ''}`
}

function claimLine (c: ClaimRef): string {
  const now = c.current ? '' : c.supersededBy !== undefined ? `, since reworded: ${c.supersededBy.cid}` : ', since dropped'
  return `claim ${c.claim_id} ${c.cid} (its hash checked) in version ${c.seq} ${c.version}${now}`
}

export const verify: Command = {
  name: 'verify',
  summary: 'verify signatures, chain and content addresses offline (a CID in the store, or a .car file)',
  usage: 'verify CID|CLAIM_CID|FILE.car',
  help: 'Exit 0 when valid, 1 when not, with the reason\'s code. A claim CID verifies the latest version holding the claim and the claim\'s hash in it.',
  args: [1, 1],
  async run (ctx) {
    const target = ctx.positionals[0]
    let report
    let claim: ClaimRef | undefined
    if (/\.car$/i.test(target)) {
      report = await verifyCar(target, { signal: ctx.signal })
    } else {
      let cid: CID
      try { cid = CID.parse(target) } catch { throw new UsageError(`${JSON.stringify(target)} is neither a CID nor a .car file`) }
      const r = await withBackend(ctx, async (h) => await h.verify({ cid: cid.toString() }, { signal: ctx.signal }))
      claim = r.claim
      report = r
    }
    const first = report.errors[0]
    if (ctx.io.json) ctx.io.result({ ...report, ...(first !== undefined ? { code: first.code } : {}) }, () => '')
    else if (report.valid) ctx.io.out(`valid: ${claim !== undefined ? `${claimLine(claim)}; ` : ''}${summary(report)}`)
    if (!report.valid) {
      if (ctx.io.json) return 1
      if (first !== undefined) throw errorFromCode(first.code, `invalid: ${first.cid}: ${first.message}`)
      if (claim?.hashes === false) throw new VerificationFailedError(`invalid: claim ${claim.cid} is not the hash of the claim ${claim.claim_id} in version ${claim.seq}`)
      throw new VerificationFailedError(`invalid: ${Object.keys(report.reasons).join(', ')}`)
    }
  }
}

export const exportCmd: Command = {
  name: 'export',
  summary: 'write an organization\'s records (versions, rotations, binding, statements on its claims) to a CARv1 file',
  usage: 'export [ORG] --out FILE.car [--force]',
  help: 'ORG: default our own org. The file is written beside its target and renamed into place. It is never written inside the home, through a symlink or onto a directory (PATH_INVALID), nor over an existing file without --force (PATH_EXISTS); a full disk is NO_SPACE.',
  options: {
    out: { type: 'string', value: 'FILE.car', description: 'the CAR file to write (required)' },
    force: { type: 'boolean', description: 'replace FILE.car when it exists' }
  },
  args: [0, 1],
  async run (ctx) {
    const out = str(ctx, 'out')
    if (out === undefined) throw new UsageError('oos export needs --out FILE.car')
    // through the running node if there is one (it writes the file), else from the store
    const r = await withBackend(ctx, async (h) => await h.exportCar({ org: ctx.positionals[0], path: resolve(out), force: ctx.values.force === true }, { signal: ctx.signal, onProgress: (d, t) => { ctx.io.progress('exporting', d, t) } }))
    ctx.io.result(r, () => `wrote ${r.blocks} records (${r.bytes} bytes) of ${r.org} to ${r.file}\n  root ${r.root}`)
  }
}

export const importCmd: Command = {
  name: 'import',
  summary: 'ingest every block of a CAR file through the ingest door; prints accepted / rejected with reasons',
  usage: 'import FILE.car',
  args: [1, 1],
  async run (ctx) {
    const r = await withBackend(ctx, async (h) => await h.importCar({ path: resolve(ctx.positionals[0]) }, { signal: ctx.signal, onProgress: (d, t) => { ctx.io.progress('importing', d, t) } }))
    ctx.io.result(r, () => [summary(r), ...r.errors.slice(0, 5).map(e => `  rejected ${e.cid}: ${e.message} [${e.code}]`)].join('\n'))
    return r.rejected > 0 ? 1 : 0
  }
}

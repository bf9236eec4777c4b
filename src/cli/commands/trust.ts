/**
 * The trust layer on the command line (protocol/TRUST.md): endorse / dispute a claim,
 * retract a statement, adopt a claim into a draft, the provenance report of a claim (also
 * of a CAR file), whom we trust — through the running node's API when there is one, else
 * against the home's store (backend.ts) — and key rotation with pre-rotation (node
 * stopped). Text from other organizations (claims, notes, names) is printed through `clean()`.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ApiClient } from '../../api/client.ts'
import { provenanceOfCar } from '../../app/files.ts'
import { loadHome } from '../../app/home.ts'
import { rotateKey as rotateOrgKey } from '../../app/keys.ts'
import type { DerivationNode, ProvenanceReport, TrustLevel } from '../../app/types.ts'
import { StoreLockedError } from '../../errors.ts'
import { withBackend } from '../backend.ts'
import { EVIDENCE, type Evidence } from '../../oos/types.ts'
import { decodeDocument } from '../../oos/index.ts'
import { str, type Command } from '../command.ts'
import { UsageError } from '../errors.ts'
import { clean } from '../render.ts'
import { isoSecond, type Colorize } from '../style.ts'
import { cidValue, fileError, noteOption, seqValue } from '../values.ts'

const DAY = 86_400_000

/** `2027-03-01`, an ISO time, or a number of days from now: `90d`. */
export function parseExpiry (s: string, now = Date.now()): number {
  const days = /^([1-9][0-9]{0,4})d$/.exec(s)
  if (days !== null) return now + Number(days[1]) * DAY
  const ymd = /^(\d{4})-(\d{2})-(\d{2})/.exec(s)
  // Date.parse rolls 2027-02-31 over to March 3rd: the day must exist in its month
  const real = ymd !== null && new Date(Date.UTC(Number(ymd[1]), Number(ymd[2]) - 1, Number(ymd[3]))).toISOString().startsWith(ymd[0])
  const t = real ? Date.parse(s) : NaN
  if (!Number.isFinite(t)) throw new UsageError(`--expires must be a date (2027-03-01), an ISO time or a number of days (90d), not ${JSON.stringify(s)}`)
  if (t <= now) throw new UsageError('--expires must be in the future')
  return t
}

export const endorse: Command = {
  name: 'endorse',
  summary: 'sign an endorsement (or with --dispute, a dispute) of another organization\'s claim',
  usage: 'endorse CLAIM_CID [--dispute] [--note TEXT] [--evidence-type T --evidence TEXT] [--expires DATE|Nd]',
  help: `The statement names the latest version of the author that holds the claim. Evidence types: ${EVIDENCE.join(', ')}. --expires takes a date (2027-03-01) or a number of days (90d); after it the endorsement is shown expired.`,
  options: {
    dispute: { type: 'boolean', description: 'dispute the claim instead of endorsing it' },
    note: { type: 'string', value: 'TEXT', description: 'a note kept in the statement, at most 4,000 characters' },
    'evidence-type': { type: 'string', value: 'T', description: `the type of --evidence: ${EVIDENCE.join(', ')}` },
    evidence: { type: 'string', value: 'TEXT', description: 'what the endorsement rests on (with --evidence-type)' },
    expires: { type: 'string', value: 'DATE|Nd', description: 'when it expires: a date (2027-03-01) or days (90d)', default: 'never' }
  },
  args: [1, 1],
  async run (ctx) {
    const target = cidValue(ctx.positionals[0], 'CLAIM_CID')
    const type = str(ctx, 'evidence-type')?.toUpperCase()
    const text = noteOption(ctx, 'evidence')
    if ((type === undefined) !== (text === undefined)) throw new UsageError('--evidence-type and --evidence go together')
    if (type !== undefined && !(EVIDENCE as readonly string[]).includes(type)) throw new UsageError(`--evidence-type must be one of ${EVIDENCE.join(', ')}`)
    const expires = str(ctx, 'expires')
    const expiresAt = expires === undefined ? undefined : parseExpiry(expires)
    const stance = ctx.values.dispute === true ? 'dispute' : 'endorse'
    const note = noteOption(ctx, 'note')
    const r = await withBackend(ctx, async (h) => await h.endorse({
      target: target.toString(),
      stance,
      ...(note !== undefined ? { note } : {}),
      ...(type !== undefined && text !== undefined ? { evidence: { type: type as Evidence, text } } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {})
    }, { signal: ctx.signal }), { sign: true })
    ctx.io.result(r, () => `${stance === 'dispute' ? 'disputed' : 'endorsed'} ${r.target}\n  statement ${r.cid}`)
  }
}

export const retract: Command = {
  name: 'retract',
  summary: 'retract one of our own endorsements, disputes or claims (it stays visible, shown as retracted)',
  usage: 'retract CID [--reason TEXT]',
  options: { reason: { type: 'string', value: 'TEXT', description: 'why, kept in the retraction, at most 4,000 characters' } },
  args: [1, 1],
  async run (ctx) {
    const target = cidValue(ctx.positionals[0])
    const reason = noteOption(ctx, 'reason')
    const r = await withBackend(ctx, async (h) => await h.retract({ target: target.toString(), ...(reason !== undefined ? { reason } : {}) }, { signal: ctx.signal }), { sign: true })
    ctx.io.result(r, () => `retracted ${r.target}\n  retraction ${r.cid}`)
  }
}

export const adopt: Command = {
  name: 'adopt',
  summary: 'copy another organization\'s claim into our draft (LOW confidence, provenance kept); conflicts are reported, not merged',
  usage: 'adopt CLAIM_CID [--into FILE.oos.md]',
  help: 'The draft defaults to draft.oos.md in the home directory, started from our latest published version when it does not exist. The claim gets the next free claim id, derived_from the source claim, confidence LOW and an evidence reference naming the source organization, the date and the original evidence type. Exit 1 when a conflict (already adopted, another wording adopted, disputed by us, the same rule) leaves the draft unchanged.',
  options: { into: { type: 'string', value: 'FILE.oos.md', description: 'the draft to add the claim to', default: '<home>/draft.oos.md' } },
  args: [1, 1],
  async run (ctx) {
    const source = cidValue(ctx.positionals[0], 'CLAIM_CID')
    const file = resolve(str(ctx, 'into') ?? join(ctx.home, 'draft.oos.md'))
    const bytes = await readFile(file).catch((err) => { if (err.code === 'ENOENT') return undefined; throw fileError(err, '--into', file) })
    const existing = bytes === undefined ? undefined : decodeDocument(bytes)
    const r = await withBackend(ctx, async (h) => await h.adopt({ cid: source.toString(), ...(existing !== undefined ? { draft: existing } : {}) }, { signal: ctx.signal }))
    if (r.document !== undefined) await writeFile(file, r.document, { mode: 0o644 }).catch((err) => { throw fileError(err, '--into', file) })
    ctx.io.result({ file, added: r.added === null ? null : { claim_id: r.added.claim_id, derived_from: r.added.derived_from, evidence_reference: r.added.evidence_reference }, conflicts: r.conflicts }, () => r.added !== null
      ? `adopted ${source.toString()} into ${file} as ${r.added.claim_id} (confidence LOW)\n  rule: ${clean(r.added.rule)}\n  review the draft, then oos publish ${file}`
      : ['not adopted: a person has to decide', ...r.conflicts.map(c => `  ${c.kind}${c.claim_id !== undefined ? ` (${c.claim_id})` : ''}: ${clean(c.message)}`)].join('\n'))
    return r.added !== null ? 0 : 1
  }
}

function renderTree (nodes: DerivationNode[], indent: string, out: string[]): void {
  for (const n of nodes) {
    const mark = n.verified ? 'ok' : n.known ? 'chain invalid' : 'unknown here'
    out.push(`${indent}${n.cid}  [${n.cycle === true ? 'cycle' : mark}]${n.known ? `  ${clean(n.name ?? n.org)} ${clean(n.claim_id)}: ${clean(n.rule)}` : ''}${n.truncated === true ? '  (not followed further)' : ''}`)
    renderTree(n.derived_from, indent + '    ', out)
  }
}

export function renderProvenance (p: ProvenanceReport): string {
  const out: string[] = []
  out.push(`${p.verdict.toUpperCase()}  ${p.claim.cid}`)
  for (const r of p.reasons) out.push(`  - ${clean(r)}`)
  out.push('', `[${clean(p.claim.claim_id)}] ${clean(p.claim.section)}  ${p.claim.confidence} / ${p.claim.evidence}`)
  out.push(`  rule:         ${clean(p.claim.rule)}`)
  out.push(`  why:          ${clean(p.claim.why)}`)
  out.push(`  failure mode: ${clean(p.claim.failure_mode)}`)
  out.push(`  scope:        ${clean(p.claim.scope)}`)
  if (p.claim.evidence_reference !== undefined) out.push(`  evidence ref: ${clean(p.claim.evidence_reference)}`)
  if (p.claim.retracted !== undefined) out.push(`  RETRACTED by its author ${isoSecond(p.claim.retracted.createdAt)}: ${clean(p.claim.retracted.reason)}`)
  const a = p.author
  out.push('', `author  ${clean(a.name ?? '(no version held)')}  ${a.org}${a.self ? '  (us)' : a.trusted ? '  (trusted)' : ''}`)
  out.push(`  chain    ${a.chain.valid ? `verifies from seq 1 to ${a.chain.head}` : `DOES NOT VERIFY${a.chain.errors[0] !== undefined ? `: ${a.chain.errors[0].code} ${clean(a.chain.errors[0].message)}` : ''}`}`)
  out.push(`  binding  ${a.binding.present ? `${a.binding.signed ? 'signed' : 'NOT validly signed'}, ${a.binding.peers?.length ?? 0} peer(s), ${isoSecond(a.binding.createdAt)}` : 'none held'}`)
  out.push(`  keys     current ${a.keys.current}, ${a.keys.rotations.length} rotation(s)${a.keys.preRotation ? ', next key pre-committed' : ''}`)
  for (const r of a.keys.rotations) out.push(`           #${r.seq} ${isoSecond(r.createdAt)} → ${r.newKey} from version ${r.effectiveSeq}: ${clean(r.reason)}`)
  if (p.equivocation.flagged) for (const e of p.equivocation.proofs) out.push(`  EQUIVOCATION at seq ${e.seq}: ${e.cids.join(', ')}`)
  const v = p.versions
  out.push('', `versions  first seen in ${v.firstSeen.seq} (${isoSecond(v.firstSeen.createdAt)}), last in ${v.lastSeen.seq} (${isoSecond(v.lastSeen.createdAt)})${v.retired ? `, dropped in ${v.retiredAt ?? '?'}` : ', current'}`)
  if (v.supersededBy !== undefined) out.push(`  reworded: its ${v.supersededBy.current ? 'current' : 'next'} wording is ${v.supersededBy.cid} (version ${v.supersededBy.seq})`, `    ${clean(v.supersededBy.rule)}`)
  out.push('', `endorsements  ${p.confirmations.length} trusted confirmation(s)${p.confirmed ? ' (confirmed)' : ''}, ${p.disputes.length} trusted dispute(s), ${p.endorsements.length} listed`)
  for (const e of p.endorsements) {
    out.push(`  ${e.stance === 'dispute' ? 'DISPUTE ' : 'endorse '} ${e.status.padEnd(15)} ${e.trusted ? 'trusted  ' : 'untrusted'} ${clean(e.name ?? '')} ${e.org}  ${isoSecond(e.createdAt)}${e.counted ? '' : `  (not counted: ${clean(e.notCounted)})`}`)
    if (e.note !== undefined) out.push(`      note: ${clean(e.note)}`)
    if (e.evidence !== undefined) out.push(`      evidence: ${e.evidence.type}: ${clean(e.evidence.text)}`)
    if (e.retraction !== undefined) out.push(`      retracted ${isoSecond(e.retraction.createdAt)}: ${clean(e.retraction.reason)}`)
  }
  if (p.derivation.sources.length > 0) {
    out.push('', `derived from${p.derivation.verified ? '' : '  (NOT fully verified)'}`)
    renderTree(p.derivation.sources, '  ', out)
  }
  return out.join('\n')
}

/** The verdict green (trusted, confirmed), yellow (stale, unverified) or red (disputed, compromised); headings bold. */
export const provenanceColors: Colorize = (lines, paint) => lines.map((l, k) => {
  if (k > 0) return /^[a-z]+ {2}/.test(l) ? paint.bold(l) : /^ {2}(reworded|RETRACTED|EQUIVOCATION)/.test(l) ? paint.red(l) : l
  const verdict = l.split(' ')[0]
  return ['TRUSTED', 'CONFIRMED'].includes(verdict) ? paint.green(l) : ['DISPUTED', 'COMPROMISED'].includes(verdict) ? paint.red(l) : paint.yellow(l)
})

export const provenance: Command = {
  name: 'provenance',
  summary: 'who wrote a claim, whether its chain verifies, who endorsed or disputed it, what it derives from, and a verdict',
  usage: 'provenance CLAIM_CID [--car FILE.car] [--json]',
  help: 'Statements count only from trusted organizations: those we follow, plus `oos trust set ORG trusted`, minus `untrusted`. Three trusted confirmations make a claim confirmed; a claim neither re-published nor endorsed for 90 days is stale. With --car the report is made offline from the records of a CAR file (oos export), each replayed through the ingest door into a throw-away store; the home is used only for whom we trust, and may be absent.',
  options: { car: { type: 'string', value: 'FILE.car', description: 'report offline from the records of a CAR file (oos export)' } },
  args: [1, 1],
  async run (ctx) {
    const cid = cidValue(ctx.positionals[0], 'CLAIM_CID')
    const car = str(ctx, 'car')
    let p: ProvenanceReport
    if (car !== undefined) {
      p = await provenanceOfCar(resolve(car), cid, { home: ctx.home, signal: ctx.signal })
    } else {
      p = await withBackend(ctx, async (h) => await h.provenance({ cid: cid.toString() }, { signal: ctx.signal }))
    }
    ctx.io.result(p, () => renderProvenance(p), provenanceColors)
  }
}

export const trust: Command = {
  name: 'trust',
  summary: 'the organizations known here and whether we trust them; `trust set ORG trusted|untrusted|neutral` changes it',
  usage: 'trust [set ORG trusted|untrusted|neutral]',
  help: 'The trusted set is the organizations we follow, plus those set trusted, minus those set untrusted (kept in trust.json in the home). Only statements of trusted organizations count in provenance reports.',
  args: [0, 3],
  async run (ctx) {
    const [verb, ref, level] = ctx.positionals
    if (verb !== undefined) {
      if (verb !== 'set' || ref === undefined || level === undefined) throw new UsageError('usage: oos trust [set ORG trusted|untrusted|neutral]')
      if (!['trusted', 'untrusted', 'neutral'].includes(level)) throw new UsageError('the level is trusted, untrusted or neutral')
      const r = await withBackend(ctx, async (h) => await h.trustSet({ org: ref, level: level as TrustLevel }, { signal: ctx.signal }))
      ctx.io.result(r, () => `${r.org} is now ${r.level}`)
      return
    }
    const rows = await withBackend(ctx, async (h) => await h.trust({ signal: ctx.signal }))
    ctx.io.result(rows, () => rows.length === 0
      ? 'no organizations known here'
      : rows.map(r => {
        const flags = [
          ...(r.self ? ['us'] : []),
          r.trusted ? 'trusted' : 'not trusted',
          ...(r.followed ? ['followed'] : []),
          ...(r.explicit !== undefined ? [`set ${r.explicit}`] : []),
          ...(r.flags.equivocation.length > 0 ? [`EQUIVOCATION at seq ${r.flags.equivocation.join(', ')}`] : []),
          ...(r.flags.rotations > 0 ? [`${r.flags.rotations} key rotation(s)`] : []),
          ...(r.flags.preRotation ? ['next key pre-committed'] : [])
        ]
        return `${clean(r.name ?? '(no version held)')}  ${r.org}\n  ${flags.join(', ')}; ${r.seq} version(s); gave ${r.given.endorse} endorsement(s), ${r.given.dispute} dispute(s); received ${r.received.endorse} endorsement(s), ${r.received.dispute} dispute(s)`
      }).join('\n'))
  }
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

export const rotateKey: Command = {
  name: 'rotate-key',
  summary: 'rotate the organization key, pre-committing to the next one (kept offline) so a stolen key cannot take the org over',
  usage: 'rotate-key [--next-key FILE] [--next-key-out FILE] [--reason TEXT] [--effective-seq N]',
  help: [
    'Each rotation commits to the key after it (protocol/TRUST.md §5). The first rotation generates the new key; every later one, and the recovery after a compromise, MUST rotate to the key committed last time: pass its keystore with --next-key FILE.',
    'The newly committed next key is written encrypted to --next-key-out (default next.key in the home): move that file offline (a USB stick in a safe). org.key is replaced by the new key.',
    '--effective-seq is the first version the new key signs (default: the next one).'
  ].join('\n'),
  options: {
    'next-key': { type: 'string', value: 'FILE', description: 'the keystore of the key committed last time', default: 'a new key (first rotation only)' },
    'next-key-out': { type: 'string', value: 'FILE', description: 'where the newly committed next key is written, encrypted', default: '<home>/next.key' },
    reason: { type: 'string', value: 'TEXT', description: 'why, kept in the rotation record', default: 'scheduled rotation' },
    'effective-seq': { type: 'string', value: 'N', description: 'the first version the new key signs', default: 'the next one' }
  },
  async run (ctx) {
    await loadHome(ctx.home)
    // the running node signs with the key in its memory: it would go on signing with the rotated-out key
    if (await ApiClient.fromHome(ctx.home) !== undefined) throw new StoreLockedError(`a node is running for ${ctx.home}: stop it before rotating the key, then start it again with the new one`)
    const reason = noteOption(ctx, 'reason') ?? 'scheduled rotation'
    const eff = seqValue(str(ctx, 'effective-seq'), '--effective-seq')
    const nextIn = str(ctx, 'next-key') === undefined ? undefined : resolve(str(ctx, 'next-key') as string)
    const nextOut = resolve(str(ctx, 'next-key-out') ?? join(ctx.home, 'next.key'))
    if (await exists(nextOut) && nextOut !== nextIn) throw new UsageError(`${nextOut} exists (a committed next key?): move it offline or pass --next-key ${nextOut}, or choose --next-key-out FILE`)
    const n = ctx.proc.env.OOS_SCRYPT_N
    const passphrase = await ctx.io.passphrase('Passphrase for the organization key: ')
    const result = await rotateOrgKey(ctx.home, {
      passphrase,
      ...(nextIn !== undefined ? { nextKey: nextIn } : {}),
      nextKeyOut: nextOut,
      reason,
      ...(eff !== undefined ? { effectiveSeq: eff } : {}),
      ...(n !== undefined ? { scryptN: Number(n) } : {}),
      nextKeyPassphrase: async (path) => await ctx.io.passphrase(`Passphrase for the pre-committed key ${path}: `),
      newNextPassphrase: async () => await ctx.io.passphrase('Passphrase for the new next key (kept offline): ', { confirm: true }),
      signal: ctx.signal
    })
    ctx.io.result({ org: result.org, ...result.rotation, nextKeyDigest: result.committedNextKey, nextKeyFile: nextOut }, () => [
      `rotated ${result.org}`,
      `  rotation  #${result.rotation.seq} ${result.cid.toString()}`,
      `  new key   ${result.rotation.newKey} (signs from version ${result.rotation.effectiveSeq}; org.key replaced)`,
      `  next key  committed (sha2-256 ${result.committedNextKey ?? ''})`,
      '',
      `Move ${nextOut} offline now. It is the only key that can rotate this org next, including to recover from a stolen org.key.`
    ].join('\n'))
  }
}

export const TRUST_COMMANDS: Command[] = [endorse, retract, adopt, provenance, trust, rotateKey]

import { describe, it, expect } from 'vitest'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { testKey } from '../../protocol/vectors/generate.ts'
import { smallBody } from '../../protocol/vectors/bodies.ts'
import { auditLog, type AuditEntry, type AuditInit, type AuditLog } from '../../src/node/audit.ts'
import { readAudit } from '../../src/node/audit-read.ts'
import { Violations } from '../../src/node/violations.ts'
import { chain, openNode } from '../helpers.ts'
import { until } from '../net/nodes.ts'
import { auditEntries, auditFiles, breakSignature } from './files.ts'

const alice = testKey('alice')

/** A real store and ingest door, with an audit log in `<dir>/audit` started on them (and on `violations`); all closed after `fn`. */
async function withAudit (init: Omit<AuditInit, 'dir'>, fn: (t: { node: Awaited<ReturnType<typeof openNode>>, dir: string, audit: AuditLog }) => Promise<void>, violations?: Violations): Promise<void> {
  const node = await openNode()
  const dir = join(node.path, 'audit')
  const audit = auditLog({ dir, ...init })({ ingest: node.ingest, violations })
  await audit.start()
  try {
    await fn({ node, dir, audit })
  } finally {
    await audit.stop()
    await node.close()
  }
}

const pick = (e: AuditEntry): string => `${e.event} ${e.code ?? '-'} ${e.seq ?? '-'} ${e.peer ?? '-'}`

describe('the audit log', () => {
  it('writes one line per decision of the ingest door, rejections with their code, cid and what the record claims; no body, no message', async () => {
    await withAudit({}, async ({ node, dir, audit }) => {
      const [v1, v2, v3] = chain(3)
      await node.ingest.ingest(v1.bytes, { source: 'sync', from: '12D3KooWPeerOne' })
      await node.ingest.ingest(v1.bytes, { source: 'gossip', from: '12D3KooWPeerTwo' })
      const forged = breakSignature(v2.bytes)
      await expect(node.ingest.ingest(forged.bytes, { source: 'gossip', from: '12D3KooWPeerTwo' })).rejects.toMatchObject({ code: 'BAD_SIGNATURE' })
      await expect(node.ingest.ingest(v3.bytes, { source: 'fetch', from: '12D3KooWPeerOne' })).rejects.toMatchObject({ code: 'SEQ_GAP' })
      await expect(node.ingest.ingest(v2.bytes, { source: 'fetch', from: '12D3KooWPeerOne', expectedCid: v3.cid })).rejects.toMatchObject({ code: 'CID_MISMATCH' })
      await expect(node.ingest.ingest(new Uint8Array([1, 2, 3]), { source: 'api', from: 'api' })).rejects.toMatchObject({ code: 'DECODE_FAILED' })
      await audit.stop()
      const files = await auditFiles(dir)
      expect(files.map(f => f.name)).toEqual(['audit.log'])
      expect((await stat(join(dir, 'audit.log'))).mode & 0o777).toBe(0o600)
      const entries = await auditEntries(dir)
      expect(entries.map(pick)).toEqual([
        'accepted - 1 12D3KooWPeerOne',
        'duplicate - 1 12D3KooWPeerTwo',
        'rejected BAD_SIGNATURE 2 12D3KooWPeerTwo',
        'rejected SEQ_GAP 3 12D3KooWPeerOne',
        'rejected CID_MISMATCH 2 12D3KooWPeerOne',
        'rejected DECODE_FAILED - api'
      ])
      expect(entries[0]).toMatchObject({ event: 'accepted', kind: 'oos/version', org: alice.did, seq: 1, cid: v1.cid.toString(), source: 'sync' })
      // a rejected record is named by the hash of the bytes offered (or the CID they were asked for)
      expect(entries[2]).toMatchObject({ kind: 'oos/version', org: alice.did, cid: forged.cid.toString(), source: 'gossip' })
      expect(entries[3].cid).toBe(v3.cid.toString())
      expect(entries[4].cid).toBe(v3.cid.toString())
      expect(entries[5].kind).toBeUndefined()
      for (const e of entries) expect(Date.parse(e.time)).toBeGreaterThan(Date.now() - 60_000)
      const text = files[0].text
      expect(text).not.toContain(smallBody('Alice', 1).claims[0].rule) // no record body
      expect(text).not.toContain('"message"') // no messages (they may quote the record)
    })
  })

  it('rotates before a file would pass its bound: at most maxFiles files, none over the bound, no line split, the newest kept in order', async () => {
    const maxFileBytes = 2048
    await withAudit({ maxFileBytes, maxFiles: 3, flushMs: 1 }, async ({ node, dir, audit }) => {
      const versions = chain(40)
      const expected: string[] = []
      // lines reach the writer one at a time, in small batches, and in one batch of 40
      for (const [i, v] of versions.entries()) {
        await node.ingest.ingest(v.bytes, { source: 'sync', from: `peer-${i}` })
        expected.push(`accepted - ${i + 1} peer-${i}`)
        if (i % 7 === 0) await audit.flush()
      }
      await audit.flush()
      for (const [i, v] of versions.entries()) {
        await node.ingest.ingest(v.bytes, { source: 'gossip', from: `peer-${i}` })
        expected.push(`duplicate - ${i + 1} peer-${i}`)
      }
      await audit.stop()
      const files = await auditFiles(dir)
      expect(files.map(f => f.name)).toEqual(['audit.2.log', 'audit.1.log', 'audit.log'])
      expect((await readdir(dir)).sort()).toEqual(['audit.1.log', 'audit.2.log', 'audit.log'])
      for (const f of files) {
        expect(Buffer.byteLength(f.text)).toBeLessThanOrEqual(maxFileBytes)
        expect(f.text.endsWith('\n')).toBe(true)
        expect((await stat(join(dir, f.name))).mode & 0o777).toBe(0o600)
      }
      // the older files were full: the next line would not have fitted
      const line = files[2].text.split('\n')[0].length + 1
      expect(Buffer.byteLength(files[0].text) + line).toBeGreaterThan(maxFileBytes)
      const entries = await auditEntries(dir) // every line parses
      expect(entries.length).toBeGreaterThan(15)
      expect(entries.length).toBeLessThan(80)
      expect(entries.map(pick)).toEqual(expected.slice(-entries.length))
      expect(audit.stats()).toMatchObject({ written: 80, dropped: 0 })
      expect(audit.stats().rotations).toBeGreaterThanOrEqual(3)
      const read: AuditEntry[] = []
      for await (const e of readAudit(dir)) read.push(e)
      expect(read).toEqual(entries)
    })
  })

  it('a reader during writes and rotations sees every entry once, in order', async () => {
    await withAudit({ maxFileBytes: 4096, maxFiles: 50, flushMs: 1 }, async ({ node, dir, audit }) => {
      const versions = chain(60)
      let reads = 0
      const writing = (async () => {
        for (const v of versions) {
          await node.ingest.ingest(v.bytes, { source: 'sync', from: 'peer' })
          await node.ingest.ingest(v.bytes, { source: 'gossip', from: 'peer' })
          await audit.flush()
        }
      })()
      let done = false
      const finished = writing.finally(() => { done = true })
      try {
        while (!done || reads === 0) {
          const seen: string[] = []
          for await (const e of readAudit(dir)) seen.push(`${e.event} ${e.seq ?? 0}`)
          // accepted 1, duplicate 1, accepted 2, …: exactly the prefix written so far
          expect(seen).toEqual(seen.map((_, i) => `${i % 2 === 0 ? 'accepted' : 'duplicate'} ${Math.floor(i / 2) + 1}`))
          reads++
        }
      } finally {
        await finished
      }
      expect(audit.stats().rotations).toBeGreaterThan(2)
      const all: AuditEntry[] = []
      for await (const e of readAudit(dir)) all.push(e)
      expect(all).toHaveLength(120)
    })
  })

  it('holds at most maxPendingBytes of lines the disk has not taken yet: the rest are dropped and counted', async () => {
    await withAudit({ maxPendingBytes: 2000, flushMs: 60_000 }, async ({ node, dir, audit }) => {
      // a disk that takes nothing until the flush below: forty decisions wait in memory
      const versions = chain(40)
      const results = await node.ingest.ingestMany(versions.map(v => v.bytes), { source: 'sync', from: 'peer' })
      expect(results.every(r => (r as { status?: string }).status === 'accepted')).toBe(true)
      await audit.flush()
      const { written, dropped } = audit.stats()
      expect(written + dropped).toBe(40)
      expect(dropped).toBeGreaterThan(0)
      const entries = await auditEntries(dir)
      expect(entries).toHaveLength(written)
      expect(entries.reduce((n, e) => n + JSON.stringify(e).length + 1, 0)).toBeLessThanOrEqual(2000)
    })
  })

  it('records violations, the ban they lead to and its end', async () => {
    const blocked = new Set<string>()
    const hungUp: string[] = []
    const violations = new Violations({ blocked, hangUp: async (p) => { hungUp.push(p.toString()) }, threshold: 3, blockMs: 50 })
    await withAudit({ flushMs: 1 }, async ({ dir, audit }) => {
      const peer = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(7)))
      violations.report(peer, 'BAD_GOSSIP')
      violations.report(peer, 'BAD_REQUEST')
      violations.report(peer, 'BAD_REQUEST')
      const id = peer.toString()
      expect(hungUp).toEqual([id])
      await until(async () => { await audit.flush(); return (await auditEntries(dir)).some(e => e.event === 'unban') }, 10_000, 'unban written')
      expect((await auditEntries(dir)).map(e => `${e.event} ${e.code ?? '-'} ${e.count ?? '-'} ${e.peer ?? '-'}`)).toEqual([
        `violation BAD_GOSSIP 1 ${id}`,
        `violation BAD_REQUEST 2 ${id}`,
        `violation BAD_REQUEST 3 ${id}`,
        `ban BAD_REQUEST 3 ${id}`,
        `unban - - ${id}`
      ])
      expect(blocked.has(id)).toBe(false)
    }, violations)
  })
})

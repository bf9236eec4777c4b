/**
 * The example guides: `oos guide` of Ledgerline (examples/orgs/ledgerline v1–v3), as its own
 * node would make them, with Carepath and Parcelworks (their v3) held too, Carepath trusted,
 * and a few statements about Ledgerline's claims: Carepath endorses C001 and C002, Parcelworks
 * endorses C002 and disputes C003 (examples/orgs/CHANGES.md, "Across organizations").
 *
 * Deterministic: the keys come from fixed TEST-ONLY seeds (protocol/vectors/generate.ts
 * `testKey`) and every record's createdAt from the document's `generated_at`, so the CIDs, and
 * with them the guides, are the same on every run. tests/app/guide.test.ts regenerates both
 * files and compares them byte for byte. After a change to the guide's format, write them again:
 *
 *   npx node examples/guide/generate.ts
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { testKey } from '../../protocol/vectors/generate.ts'
import { localApp } from '../../src/app/local.ts'
import type { GuideResult, LocalApp } from '../../src/app/types.ts'
import { withHome, type OpenHome } from '../../src/app/offline.ts'
import { initHome } from '../../src/node/home.ts'
import { publish } from '../../src/node/publish.ts'
import { decodeDocument, parseOosMarkdown } from '../../src/oos/index.ts'
import { claimCid } from '../../src/records/claims.ts'
import { makeEndorsement } from '../../src/trust/statements.ts'
import { saveTrustSettings, setTrust, emptySettings } from '../../src/trust/settings.ts'
import { tempDir } from '../../tests/helpers.ts'

const HERE = fileURLToPath(new URL('./', import.meta.url))
const ORGS = fileURLToPath(new URL('../orgs/', import.meta.url))
export const FILES = { 'agents.md': join(HERE, 'ledgerline.AGENTS.md'), 'claude.md': join(HERE, 'ledgerline.CLAUDE.md') } as const

async function document (slug: string, v: number): Promise<{ body: ReturnType<typeof parseOosMarkdown>['body'], at: number }> {
  const body = parseOosMarkdown(decodeDocument(await readFile(join(ORGS, slug, `v${v}.oos.md`)))).body
  return { body, at: Date.parse(body.frontmatter.generated_at) }
}

export interface ExampleHome {
  home: string
  store: OpenHome['store']
  ingest: OpenHome['ingest']
  keys: Record<'ledgerline' | 'carepath' | 'parcelworks', ReturnType<typeof testKey>>
  /** Ledgerline's app (the guide's default org is Ledgerline) */
  app: LocalApp
}

/** `fn` over a fresh home holding the example's records (removed after). */
export async function withExampleHome<T> (fn: (h: ExampleHome) => Promise<T>): Promise<T> {
  const dir = await tempDir('oosnet-guide-example-')
  try {
    const home = join(dir.path, 'home')
    await initHome(home, { name: 'Ledgerline', passphrase: 'example', scryptN: 1024 })
    return await withHome(home, async ({ store, ingest }) => {
      const [ledgerline, carepath, parcelworks] = ['ledgerline', 'carepath', 'parcelworks'].map(n => testKey(`example ${n}`))
      for (const v of [1, 2, 3]) {
        const d = await document('ledgerline', v)
        await publish(store, ingest, d.body, { org: ledgerline.did, secretKey: ledgerline.secretKey, now: d.at })
      }
      const last = await document('ledgerline', 3)
      for (const [k, slug] of [[carepath, 'carepath'], [parcelworks, 'parcelworks']] as const) {
        const d = await document(slug, 3)
        await publish(store, ingest, d.body, { org: k.did, secretKey: k.secretKey, now: d.at })
      }
      const claim = (id: string): ReturnType<typeof claimCid> => claimCid(ledgerline.did, last.body.claims.find(c => c.claim_id === id) as (typeof last.body.claims)[number])
      const statements = [
        [carepath, 'C001', 'endorse', 'Same lesson: only the booking agent writes the schedule (our C001).'],
        [carepath, 'C002', 'endorse', undefined],
        [parcelworks, 'C002', 'endorse', 'Our C007: a timeout is an unknown state; look the label up first.'],
        [parcelworks, 'C003', 'dispute', 'Templated notices go out without per-message approval here: a queue delayed them 6.5 hours (our C003).']
      ] as const
      for (const [i, [k, id, stance, note]] of statements.entries()) {
        const bytes = await makeEndorsement({ org: k.did, secretKey: k.secretKey, target: claim(id), stance, ...(note !== undefined ? { note } : {}), now: Date.UTC(2026, 6, 1) + i * 60_000 }, store)
        await ingest.ingest(bytes, { source: 'local' })
      }
      await saveTrustSettings(home, setTrust(emptySettings(), carepath.did, 'trusted'))
      // the home's own init key is not the example key: the app is told which org is ours
      const app = localApp(store, ingest, { org: ledgerline.did, name: 'Ledgerline' }, undefined, home)
      return await fn({ home, store, ingest, keys: { ledgerline, carepath, parcelworks }, app })
    })
  } finally {
    await dir.cleanup()
  }
}

/** Both example guides. */
export async function exampleGuides (): Promise<Record<keyof typeof FILES, GuideResult>> {
  return await withExampleHome(async ({ app }) => ({ 'agents.md': await app.guide({ format: 'agents.md' }), 'claude.md': await app.guide({ format: 'claude.md' }) }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const guides = await exampleGuides()
  for (const [format, file] of Object.entries(FILES)) {
    await writeFile(file, guides[format as keyof typeof FILES].text)
    console.log(`wrote ${file}`)
  }
}

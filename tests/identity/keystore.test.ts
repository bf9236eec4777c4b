import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js'
import {
  DEFAULT_SCRYPT_N, generateKeyPair, inspectKeystore, keyPairFromSeed, keystoreAad, openKeystore, publicKeyToDid,
  sealKeystore, serializeKeystore
} from '../../src/identity/index.ts'
import { readKeystore, readKeystoreInfo, writeKeystore } from '../../src/node/keyfile.ts'
import type { KeystoreFile } from '../../src/identity/index.ts'

const N = 1024 // low cost for tests
const PASS = 'correct horse battery staple'
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const posix = process.platform !== 'win32'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'oos-keystore-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })
let n = 0
const fresh = (): string => join(dir, `k${++n}`, 'org.key')

async function code (p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    return (err as { code?: string }).code ?? `uncoded: ${String(err)}`
  }
  return 'no error'
}

/** rewrite a keystore file through `edit` (on its parsed JSON) */
async function edit (path: string, f: (j: any) => void): Promise<void> {
  const j = JSON.parse(await readFile(path, 'utf8'))
  f(j)
  await writeFile(path, JSON.stringify(j, null, 2) + '\n', { mode: 0o600 })
}

/** recompute the (unkeyed) checksum after an edit, as a deliberate tamperer could */
function rechecksum (j: KeystoreFile): void {
  const aad = keystoreAad(j)
  j.checksum = createHash('sha256').update(aad).update(Buffer.from(j.ciphertext, 'base64')).digest('base64')
}

const flip = (s: string, i: number): string => {
  const b = Buffer.from(s, 'base64')
  b[i] ^= 0x01
  return b.toString('base64')
}

// The test vector of protocol/IDENTITY.md §4
const VECTOR = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  salt: '000102030405060708090a0b0c0d0e0f',
  nonce: '101112131415161718191a1b1c1d1e1f2021222324252627',
  passphrase: 'correct horse battery staple',
  N: 1024,
  meta: { purpose: 'org', name: 'Example Org' },
  dk: '9a9f74cc441de571a18c4bf8580ad51f86745d14b39065ad24ad92fc05c99515',
  aad: '6f6f736e65742d6b657973746f726500000000010000000673637279707400000400000000080000000100000010000102030405060708090a0b0c0d0e0f00000011786368616368613230706f6c793133303500000018101112131415161718191a1b1c1d1e1f2021222324252627000000386469643a6b65793a7a364d6b74777570646d4c58565671547a43773469343672347547796f734758526e5233586a4e345a71376f4d4d737700000002000000046e616d650000000b4578616d706c65204f726700000007707572706f7365000000036f7267',
  file: `{
  "version": 1,
  "kdf": {
    "name": "scrypt",
    "N": 1024,
    "r": 8,
    "p": 1,
    "salt": "AAECAwQFBgcICQoLDA0ODw=="
  },
  "cipher": {
    "name": "xchacha20poly1305",
    "nonce": "EBESExQVFhcYGRobHB0eHyAhIiMkJSYn"
  },
  "ciphertext": "WeX2qrV9RRzVN6rFnadBc6Ow3ArtMB3cCXIphrtYE/1mGivUEpV8HPX09u6Kfbn6",
  "publicKey": "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw",
  "meta": {
    "name": "Example Org",
    "purpose": "org"
  },
  "checksum": "lsjBPZLzMo8yMsRO0Th6r+cbhHdS5cV7ooTA8gEyjcY="
}
`
}

describe('keystore test vector (protocol/IDENTITY.md §4)', () => {
  it('seals to the exact file text', async () => {
    const f = await sealKeystore({ secretKey: hex(VECTOR.seed), meta: VECTOR.meta }, VECTOR.passphrase, { scryptN: VECTOR.N, salt: hex(VECTOR.salt), nonce: hex(VECTOR.nonce) })
    expect(serializeKeystore(f)).toBe(VECTOR.file)
    expect(Buffer.from(keystoreAad(f)).toString('hex')).toBe(VECTOR.aad)
  })

  it('opens to the seed', async () => {
    const c = await openKeystore(JSON.parse(VECTOR.file), VECTOR.passphrase)
    expect(Buffer.from(c.secretKey).toString('hex')).toBe(VECTOR.seed)
    expect(c.did).toBe('did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw')
    expect(c.meta).toEqual(VECTOR.meta)
  })

  it('Node scrypt and noble scrypt derive the same key', () => {
    const dk = nobleScrypt(VECTOR.passphrase, hex(VECTOR.salt), { N: VECTOR.N, r: 8, p: 1, dkLen: 32 })
    expect(Buffer.from(dk).toString('hex')).toBe(VECTOR.dk)
  })

  it('is the vector printed in protocol/IDENTITY.md', async () => {
    const doc = await readFile(new URL('../../protocol/IDENTITY.md', import.meta.url), 'utf8')
    expect(doc).toContain('```json\n' + VECTOR.file + '```')
    for (const v of [VECTOR.seed, VECTOR.salt, VECTOR.nonce, VECTOR.dk, VECTOR.passphrase]) expect(doc).toContain(v)
    // the AAD is printed wrapped at 64 hex digits per line
    expect(doc.replace(/\s+/g, '')).toContain(VECTOR.aad)
  })
})

describe('keystore files', () => {
  it('writes 0600 in a new 0700 directory, atomically, and reads back', async () => {
    const path = fresh()
    const kp = generateKeyPair()
    const written = await writeKeystore(path, { secretKey: kp.secretKey, meta: { purpose: 'org', name: 'Acme' } }, PASS, { scryptN: N })
    expect(written.publicKey).toBe(publicKeyToDid(kp.publicKey))
    if (posix) {
      expect((await stat(path)).mode & 0o777).toBe(0o600)
      expect((await stat(join(path, '..'))).mode & 0o777).toBe(0o700)
    }
    expect(await readdir(join(path, '..'))).toEqual(['org.key']) // no temp file left
    const text = await readFile(path, 'utf8')
    expect(text).toBe(serializeKeystore(written))
    const j = JSON.parse(text)
    expect(j.kdf).toMatchObject({ name: 'scrypt', N, r: 8, p: 1 })
    expect(Buffer.from(j.kdf.salt, 'base64')).toHaveLength(16)
    expect(Buffer.from(j.cipher.nonce, 'base64')).toHaveLength(24)
    expect(Buffer.from(j.ciphertext, 'base64')).toHaveLength(48)
    const c = await readKeystore(path, PASS)
    expect(c.secretKey).toEqual(kp.secretKey)
    expect(c.publicKey).toEqual(kp.publicKey)
    expect(c.did).toBe(publicKeyToDid(kp.publicKey))
    expect(c.meta).toEqual({ name: 'Acme', purpose: 'org' })
    const info = await readKeystoreInfo(path)
    expect(info).toEqual({ did: c.did, publicKey: kp.publicKey, meta: c.meta, kdf: { name: 'scrypt', N, r: 8, p: 1 } })
  })

  it('never writes the secret in the clear, and salts/nonces differ between files', async () => {
    const kp = keyPairFromSeed(new Uint8Array(32).fill(0x42))
    const a = fresh(); const b = fresh()
    await writeKeystore(a, { secretKey: kp.secretKey }, PASS, { scryptN: N })
    await writeKeystore(b, { secretKey: kp.secretKey }, PASS, { scryptN: N })
    const ta = await readFile(a, 'utf8'); const tb = await readFile(b, 'utf8')
    for (const t of [ta, tb]) {
      expect(t).not.toContain(b64(kp.secretKey))
      expect(t).not.toContain(Buffer.from(kp.secretKey).toString('hex'))
      expect(t).not.toContain(PASS)
    }
    expect(JSON.parse(ta).kdf.salt).not.toBe(JSON.parse(tb).kdf.salt)
    expect(JSON.parse(ta).cipher.nonce).not.toBe(JSON.parse(tb).cipher.nonce)
    expect(kp.secretKey).toEqual(new Uint8Array(32).fill(0x42)) // the caller's key is left alone
  })

  it('uses scrypt N = 2^17 by default', async () => {
    const path = fresh()
    const kp = generateKeyPair()
    await writeKeystore(path, { secretKey: kp.secretKey }, PASS)
    expect(DEFAULT_SCRYPT_N).toBe(131072)
    expect(JSON.parse(await readFile(path, 'utf8')).kdf.N).toBe(131072)
    expect((await readKeystore(path, PASS)).secretKey).toEqual(kp.secretKey)
  })

  it('normalizes the passphrase (NFKC)', async () => {
    const path = fresh()
    const kp = generateKeyPair()
    await writeKeystore(path, { secretKey: kp.secretKey }, 'ﬁle Ａ', { scryptN: N }) // ligature, full-width A
    expect((await readKeystore(path, 'file A')).secretKey).toEqual(kp.secretKey)
  })

  it('refuses to replace a keystore unless asked, also under a race', async () => {
    const path = fresh()
    const k1 = generateKeyPair(); const k2 = generateKeyPair()
    await writeKeystore(path, { secretKey: k1.secretKey }, PASS, { scryptN: N })
    expect(await code(writeKeystore(path, { secretKey: k2.secretKey }, PASS, { scryptN: N }))).toBe('KEYSTORE_EXISTS')
    expect((await readKeystore(path, PASS)).secretKey).toEqual(k1.secretKey)
    await writeKeystore(path, { secretKey: k2.secretKey }, 'other', { scryptN: N, overwrite: true })
    expect((await readKeystore(path, 'other')).secretKey).toEqual(k2.secretKey)
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600)

    const raced = fresh()
    const results = await Promise.all([k1, k2, generateKeyPair()].map(async k => await code(writeKeystore(raced, { secretKey: k.secretKey }, PASS, { scryptN: N }))))
    expect(results.filter(r => r === 'no error')).toHaveLength(1)
    expect(results.filter(r => r === 'KEYSTORE_EXISTS')).toHaveLength(2)
    expect(await readdir(join(raced, '..'))).toEqual(['org.key'])
  })

  it('checks its arguments', async () => {
    const kp = generateKeyPair()
    const path = fresh()
    await expect(writeKeystore(path, { secretKey: kp.secretKey }, '', { scryptN: N })).rejects.toThrow(TypeError)
    for (const bad of [1000, 512, 2 ** 21, NaN, 0, -1024, 1024.5]) {
      await expect(writeKeystore(path, { secretKey: kp.secretKey }, PASS, { scryptN: bad })).rejects.toThrow(TypeError)
    }
    await expect(writeKeystore(path, { secretKey: new Uint8Array(31) }, PASS, { scryptN: N })).rejects.toThrow(TypeError)
    await expect(writeKeystore(path, { secretKey: kp.secretKey, meta: { n: 1 } as any }, PASS, { scryptN: N })).rejects.toThrow(TypeError)
    await expect(writeKeystore(path, { secretKey: kp.secretKey, meta: { '': 'x' } }, PASS, { scryptN: N })).rejects.toThrow(TypeError)
    await expect(stat(path)).rejects.toThrow()
  })
})

describe('keystore failures', () => {
  const kp = keyPairFromSeed(hex('c0ffee00'.repeat(8)))
  const secretHex = Buffer.from(kp.secretKey).toString('hex')
  const messages: string[] = []
  let base: string

  beforeAll(async () => {
    base = fresh()
    await writeKeystore(base, { secretKey: kp.secretKey, meta: { purpose: 'org', name: 'Acme' } }, PASS, { scryptN: N })
  })

  /** a copy of the good keystore, edited; returns the error code of reading it */
  async function readEdited (f: (j: any) => void, passphrase = PASS): Promise<string> {
    const path = fresh()
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, await readFile(base), { mode: 0o600 })
    await edit(path, f)
    try {
      await readKeystore(path, passphrase)
      return 'no error'
    } catch (err) {
      messages.push(String((err as Error).message), String((err as Error).stack))
      return (err as { code: string }).code
    }
  }

  it('reports a wrong passphrase', async () => {
    expect(await code(readKeystore(base, 'wrong'))).toBe('WRONG_PASSPHRASE')
    expect(await code(readKeystore(base, ''))).toBe('WRONG_PASSPHRASE')
    expect(await code(readKeystore(base, PASS + ' '))).toBe('WRONG_PASSPHRASE')
    try { await readKeystore(base, 'wrong') } catch (e) { messages.push(String((e as Error).message)) }
  })

  it('reports damage as KEYSTORE_CORRUPT (a flipped byte anywhere)', async () => {
    expect(await readEdited(j => { j.ciphertext = flip(j.ciphertext, 0) })).toBe('KEYSTORE_CORRUPT')
    expect(await readEdited(j => { j.ciphertext = flip(j.ciphertext, 47) })).toBe('KEYSTORE_CORRUPT') // in the tag
    expect(await readEdited(j => { j.kdf.salt = flip(j.kdf.salt, 3) })).toBe('KEYSTORE_CORRUPT')
    expect(await readEdited(j => { j.cipher.nonce = flip(j.cipher.nonce, 20) })).toBe('KEYSTORE_CORRUPT')
    expect(await readEdited(j => { j.checksum = flip(j.checksum, 5) })).toBe('KEYSTORE_CORRUPT')
    expect(await readEdited(j => { j.meta.name = 'Acmf' })).toBe('KEYSTORE_CORRUPT')
    expect(await readEdited(j => { j.kdf.N = 2048 })).toBe('KEYSTORE_CORRUPT')
    expect(await readEdited(j => { j.publicKey = publicKeyToDid(generateKeyPair().publicKey) })).toBe('KEYSTORE_CORRUPT')
  })

  it('binds every header field: a tamperer who recomputes the checksum gets no key out', async () => {
    expect(await readEdited(j => { j.ciphertext = flip(j.ciphertext, 0); rechecksum(j) })).toBe('WRONG_PASSPHRASE')
    expect(await readEdited(j => { j.publicKey = publicKeyToDid(generateKeyPair().publicKey); rechecksum(j) })).toBe('WRONG_PASSPHRASE')
    expect(await readEdited(j => { j.meta.purpose = 'node'; rechecksum(j) })).toBe('WRONG_PASSPHRASE')
    expect(await readEdited(j => { j.meta.extra = 'x'; rechecksum(j) })).toBe('WRONG_PASSPHRASE')
    expect(await readEdited(j => { j.cipher.nonce = flip(j.cipher.nonce, 0); rechecksum(j) })).toBe('WRONG_PASSPHRASE')
  })

  it('rejects unknown or malformed formats as KEYSTORE_CORRUPT', async () => {
    const cases: Array<(j: any) => void> = [
      j => { j.version = 2 },
      j => { j.version = '1' },
      j => { delete j.version },
      j => { j.extra = true },
      j => { delete j.meta },
      j => { delete j.checksum },
      j => { j.kdf.name = 'argon2id' },
      j => { j.kdf.N = 1000 },
      j => { j.kdf.N = 2 ** 30 }, // must be refused before any work is done
      j => { j.kdf.N = 512 },
      j => { j.kdf.r = 16 },
      j => { j.kdf.p = 2 },
      j => { j.kdf.extra = 1 },
      j => { j.kdf.salt = j.kdf.salt.slice(4) },
      j => { j.kdf.salt = j.kdf.salt.replace('==', '') },
      j => { j.cipher.name = 'aes-256-gcm' },
      j => { j.cipher.nonce = Buffer.alloc(12).toString('base64') },
      j => { j.ciphertext = Buffer.alloc(64).toString('base64') },
      j => { j.ciphertext = j.ciphertext.slice(0, -4) },
      j => { j.ciphertext = '!' + j.ciphertext.slice(1) },
      j => { j.publicKey = 'did:web:example.com' },
      j => { j.meta = [] },
      j => { j.meta = { n: 1 } },
      j => { j.checksum = 'abc' }
    ]
    for (const c of cases) expect(await readEdited(c)).toBe('KEYSTORE_CORRUPT')
  })

  it('rejects non-keystore files and reports a missing one', async () => {
    const path = fresh()
    await mkdir(join(path, '..'), { recursive: true })
    for (const text of ['', 'not json', '[]', 'null', '{"version":1}', (await readFile(base, 'utf8')).slice(0, 100)]) {
      await writeFile(path, text, { mode: 0o600 })
      expect(await code(readKeystore(path, PASS))).toBe('KEYSTORE_CORRUPT')
    }
    await writeFile(path, 'x'.repeat(100_000), { mode: 0o600 })
    expect(await code(readKeystore(path, PASS))).toBe('KEYSTORE_CORRUPT')
    expect(await code(readKeystore(join(path, '..'), PASS))).toBe('KEYSTORE_CORRUPT') // a directory
    expect(await code(readKeystore(join(dir, 'nope', 'org.key'), PASS))).toBe('KEYSTORE_NOT_FOUND')
    expect(await code(readKeystoreInfo(join(dir, 'nope', 'org.key')))).toBe('KEYSTORE_NOT_FOUND')
  })

  it.skipIf(!posix)('refuses a keystore readable by group or others; the public info stays readable', async () => {
    const path = fresh()
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, await readFile(base), { mode: 0o600 })
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o601]) {
      await chmod(path, mode)
      expect(await code(readKeystore(path, PASS))).toBe('KEYSTORE_EXPOSED')
    }
    await chmod(path, 0o644)
    expect((await readKeystoreInfo(path)).did).toBe(publicKeyToDid(kp.publicKey))
    await chmod(path, 0o400)
    expect((await readKeystore(path, PASS)).secretKey).toEqual(kp.secretKey)
  })

  it('inspectKeystore checks the format without a passphrase', async () => {
    const j = JSON.parse(await readFile(base, 'utf8'))
    expect(inspectKeystore(j).did).toBe(publicKeyToDid(kp.publicKey))
    expect(() => inspectKeystore({ ...j, ciphertext: flip(j.ciphertext, 1) })).toThrow(expect.objectContaining({ code: 'KEYSTORE_CORRUPT' }))
  })

  it('never puts the secret or the passphrase in an error', () => {
    expect(messages.length).toBeGreaterThan(20)
    for (const m of messages) {
      expect(m).not.toContain(secretHex)
      expect(m).not.toContain(b64(kp.secretKey))
      expect(m).not.toContain(PASS)
    }
  })
})

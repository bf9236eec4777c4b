/** The checks of option values (src/cli/values.ts): each bad value is a usage error naming the option. */
import { describe, it, expect } from 'vitest'
import type { Context } from '../../src/cli/command.ts'
import { apiOption, fileError, integerOption, multiaddrOption, noteOption, seqValue, textValue } from '../../src/cli/values.ts'
import { parseExpiry } from '../../src/cli/commands/trust.ts'

const PEER = '12D3KooWL7XsRxSS9yGQWysB1XfAN5wpmgauU7FU8Cd8ftyuEJQU'
const ctx = (values: Context['values']): Context => ({ values } as unknown as Context)
const usage = (fn: () => unknown, option: string): void => {
  expect(fn).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(option) }))
}

describe('option values', () => {
  it('integers: decimal digits within the range, nothing else', () => {
    expect(integerOption(ctx({ 'sync-interval': '30' }), 'sync-interval', { min: 1, max: 86400 })).toBe(30)
    expect(integerOption(ctx({}), 'workers', { min: 0, max: 64 })).toBeUndefined()
    for (const bad of ['abc', '', '0', '-1', '1.5', '1e3', '0x10', ' 5', '86401', '030', '99999999999999999']) {
      usage(() => integerOption(ctx({ 'sync-interval': bad }), 'sync-interval', { min: 1, max: 86400 }), '--sync-interval')
    }
    expect(seqValue('9007199254740991', '--seq')).toBe(Number.MAX_SAFE_INTEGER)
    usage(() => seqValue('9999999999999999', '--seq'), '--seq')
  })

  it('multiaddrs: TCP, /p2p/<peer id> where an address names a peer, none where it is ours', () => {
    expect(multiaddrOption(ctx({ listen: ['/ip4/127.0.0.1/tcp/0,/ip6/::1/tcp/4710'] }), 'listen', 'forbidden')).toEqual(['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/4710'])
    expect(multiaddrOption(ctx({ bootstrap: [`/dns4/a.example/tcp/4710/p2p/${PEER}`, `/dnsaddr/a.example/p2p/${PEER}`] }), 'bootstrap', 'required')).toHaveLength(2)
    expect(multiaddrOption(ctx({ via: ['/ip4/127.0.0.1/tcp/4710'] }), 'via', 'optional')).toEqual(['/ip4/127.0.0.1/tcp/4710'])
    for (const [name, peer, bad] of [
      ['listen', 'forbidden', 'junk'], ['listen', 'forbidden', '/ip4/1.2.3/tcp/1'], ['listen', 'forbidden', '/ip4/127.0.0.1/tcp/99999'],
      ['listen', 'forbidden', '/ip4/127.0.0.1/udp/4710'], ['listen', 'forbidden', `/ip4/127.0.0.1/tcp/1/p2p/${PEER}`],
      ['bootstrap', 'required', 'junk'], ['bootstrap', 'required', '/ip4/127.0.0.1/tcp/4710'], ['bootstrap', 'required', '/ip4/127.0.0.1/tcp/4710/p2p/junk'],
      ['via', 'optional', '/ip4/127.0.0.1/tcp/4710/ws'], ['via', 'optional', '/dnsaddr/a.example']
    ] as const) usage(() => multiaddrOption(ctx({ [name]: [bad] }), name, peer), `--${name}`)
  })

  it('--api: HOST:PORT on loopback only', () => {
    expect(apiOption(ctx({}))).toEqual({ host: '127.0.0.1', port: 0 })
    expect(apiOption(ctx({ api: '[::1]:4711' }))).toEqual({ host: '::1', port: 4711 })
    expect(apiOption(ctx({ api: 'localhost:4711' }))).toEqual({ host: 'localhost', port: 4711 })
    for (const bad of ['4711', '0.0.0.0:4711', '192.0.2.1:1', '::1:4711', '127.0.0.1:65536', '127.0.0.1:-1', 'example.com:80']) usage(() => apiOption(ctx({ api: bad })), '--api')
  })

  it('text: a length limit, well formed, and for names no control or bidi characters', () => {
    expect(textValue('Ledgerline', '--name', { max: 128, printable: true })).toBe('Ledgerline')
    usage(() => textValue('x'.repeat(129), '--name', { max: 128 }), '--name')
    usage(() => textValue('a\u001b[31mb', '--name', { max: 128, printable: true }), '--name')
    usage(() => textValue('evil\u202etxt', '--name', { max: 128, printable: true }), '--name')
    usage(() => textValue('\ud800', '--name', { max: 128 }), '--name')
    expect(noteOption(ctx({ note: 'x'.repeat(4000) }), 'note')).toHaveLength(4000)
    usage(() => noteOption(ctx({ note: 'x'.repeat(4001) }), 'note'), '--note')
  })

  it('--expires: a day that exists in its month', () => {
    const now = Date.UTC(2026, 0, 1)
    expect(parseExpiry('2027-02-28', now)).toBe(Date.UTC(2027, 1, 28))
    for (const bad of ['2027-02-31', '2027-13-01', '2027-00-10', '2027-02-29']) usage(() => parseExpiry(bad, now), '--expires')
  })

  it('a file option\'s I/O failure is typed and names the option', () => {
    const errno = (code: string): Error => Object.assign(new Error(code), { code })
    expect(fileError(errno('ENOENT'), '--out', '/no/such/x.md')).toMatchObject({ code: 'NOT_FOUND', message: '--out /no/such/x.md: no such file or directory' })
    expect(fileError(errno('EISDIR'), '--into', '/tmp')).toMatchObject({ code: 'USAGE', message: '--into must name a file; /tmp is a directory' })
    expect(fileError(errno('EACCES'), '--out', '/root/x')).toMatchObject({ code: 'INVALID_ARGUMENT' })
    const other = errno('EIO')
    expect(fileError(other, '--out', '/x')).toBe(other)
  })
})

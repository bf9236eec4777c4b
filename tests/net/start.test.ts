/** A node whose start fails half-way stops what it had started (src/node/node.ts `start`, through create.ts `createNode`). */
import { describe, it, expect } from 'vitest'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { initHome, unlockNodeKey, unlockOrgKey } from '../../src/node/home.ts'
import { createNode } from '../../src/node/create.ts'
import { tempDir } from '../helpers.ts'

describe('a failed start', () => {
  it('a listen port in use: ADDRESS_IN_USE, the store closed again (a new node of the home starts in this process)', async () => {
    const dir = await tempDir()
    const busy = createServer()
    try {
      await new Promise<void>(resolve => { busy.listen({ host: '127.0.0.1', port: 0 }, resolve) })
      const port = (busy.address() as { port: number }).port
      const home = join(dir.path, 'home')
      const config = await initHome(home, { name: 'Ledgerline', passphrase: 'p', scryptN: 1024 })
      const init = { home, config, orgKey: await unlockOrgKey(home, 'p'), nodeKey: await unlockNodeKey(home, 'p'), antiEntropyMs: 0 }
      await expect(createNode({ ...init, listen: [`/ip4/127.0.0.1/tcp/${port}`] })).rejects.toMatchObject({ code: 'ADDRESS_IN_USE', message: `cannot listen on /ip4/127.0.0.1/tcp/${port}: the port is in use by another process` })
      // TEST-NET-1: not an address of this host
      await expect(createNode({ ...init, listen: ['/ip4/192.0.2.1/tcp/0'] })).rejects.toMatchObject({ code: 'LISTEN_FAILED', message: 'cannot listen on /ip4/192.0.2.1/tcp/0: the address is not one of this machine\'s (listen on one of its own, e.g. /ip4/0.0.0.0/tcp/4710; --announce tells peers another)' })
      const again = await createNode({ ...init, listen: ['/ip4/127.0.0.1/tcp/0'] })
      expect(again.libp2p.getMultiaddrs().length).toBeGreaterThan(0)
      await again.stop()
    } finally {
      busy.close()
      await dir.cleanup()
    }
  })
})

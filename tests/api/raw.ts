/** One HTTP request to a test's API server with full control over the headers (node:http, no fetch defaults). */
import { request } from 'node:http'

export interface Raw { status: number, headers: Record<string, string | string[] | undefined>, text: string, json: any }

/** One HTTP request with full control over the headers (node:http, no fetch defaults). */
export async function raw (url: string, options: { method?: string, path: string, headers?: Record<string, string | number>, body?: string | Buffer, chunks?: Buffer[] }): Promise<Raw> {
  return await new Promise((resolve, reject) => {
    const headers = { ...options.headers, ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}) }
    const req = request(url + options.path, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        let json: any
        try { json = JSON.parse(text) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (options.chunks !== undefined) {
      for (const c of options.chunks) req.write(c)
      req.end()
    } else {
      req.end(options.body)
    }
  })
}

/**
 * A real Chromium for the explorer's tests, through playwright-core: the binary inside the
 * `@sparticuz/chromium` npm package (so `npm install` is all a machine needs), or the Chrome
 * that `OOS_CHROME=/path` names. Web security stays on: the package's own flags that turn
 * the same-origin policy off are dropped, so the pages run under a browser's usual rules, and
 * so is `--single-process` (for AWS Lambda; closing a context there ends the browser).
 */
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { chromium as playwright, type Browser } from 'playwright-core'

export const SHOTS = fileURLToPath(new URL('../../test-output/ui/', import.meta.url))
const RELAXING = new Set(['--disable-web-security', '--allow-running-insecure-content', '--disable-site-isolation-trials', '--single-process'])

export async function launch (): Promise<Browser> {
  await mkdir(SHOTS, { recursive: true })
  const system = process.env.OOS_CHROME
  if (system !== undefined && system !== '') return await playwright.launch({ executablePath: system, headless: true })
  const { default: chromium } = await import('@sparticuz/chromium')
  const args = chromium.args.filter(a => !RELAXING.has(a))
  return await playwright.launch({ executablePath: await chromium.executablePath(), args, headless: true })
}

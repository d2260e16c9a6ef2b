// Scenario 7: the console in Debian's chromium. Prints one JSON line:
// - its JavaScript, gzipped (the bundle the server serves at `/`);
// - the Sessions screen with SESSIONS live sessions: time until all are listed, frame times while
//   scrolling through them (rAF deltas in the page), and the time a filter takes to show its rows.
// Run by bench/run.mjs (`npm run bench -- --only 7`), or alone:
//   node --import tsx bench/lib/console.ts [SESSIONS]

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from '@playwright/test'
import type { Locator } from '@playwright/test'
import { CHROMIUM, CHROMIUM_ARGS } from '../../playwright.config.ts'
import { ADMIN, ROOT, launchServer, seedSessions, setUp } from '../../test/console/harness.ts'

const SESSIONS = Number(process.argv[2] ?? 10_000)
const SCROLL_FRAMES = 240
const FLING_PX = 150

/**
 * Scrolls `box` one step per animation frame, SCROLL_FRAMES times, from the top: `step` pixels a
 * frame, or (null) a whole new screenful a frame down to the bottom. Returns the frame times, sorted.
 */
function scrollFrames(box: Locator, step: number | null): Promise<number[]> {
  return box.evaluate(
    async (el, { step, frames }) => {
      el.scrollTop = 0
      const deltas: number[] = []
      const stride = step ?? (el.scrollHeight - el.clientHeight) / frames
      let last = performance.now()
      for (let i = 1; i <= frames; i++) {
        el.scrollTop = i * stride
        await new Promise((r) => requestAnimationFrame(() => r(null)))
        const now = performance.now()
        deltas.push(now - last)
        last = now
      }
      return deltas.sort((x, y) => x - y)
    },
    { step, frames: SCROLL_FRAMES },
  )
}

const assets = join(ROOT, 'out/renderer/assets')
const jsGzipBytes = readdirSync(assets).filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gzipSync(readFileSync(join(assets, f))).length, 0)

const server = await launchServer()
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
try {
  await setUp(server)
  await server.restart(() => seedSessions(server, 1_000, SESSIONS))
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.goto(server.url)
  await page.getByLabel('Username').fill(ADMIN.username)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Overview' }).waitFor()

  const opened = performance.now()
  await page.goto(`${server.url}/#/sessions`)
  const rows = page.getByRole('rowgroup', { name: 'Session rows' })
  // The seeded sessions and the admin's own.
  await rows.and(page.locator(`[aria-rowcount="${SESSIONS + 1}"]`)).waitFor({ timeout: 120_000 })
  const listMs = performance.now() - opened
  const renderedRows = await rows.getByRole('row').count()

  // Frame times while scrolling, one scroll step per animation frame: a fast fling (FLING_PX a
  // frame, faster than a trackpad flick) and scrollbar jumps (a whole new screenful every frame,
  // top to bottom). A frame over 50 ms is visible jank.
  const stats = (d: number[]) => ({
    p50: +(d[Math.floor(d.length / 2)] ?? 0).toFixed(1),
    p95: +(d[Math.min(d.length - 1, Math.floor(0.95 * d.length))] ?? 0).toFixed(1),
    max: +(d.at(-1) ?? 0).toFixed(1),
    over50: d.filter((x) => x > 50).length,
  })
  const fling = stats(await scrollFrames(rows, FLING_PX))
  const jumps = stats(await scrollFrames(rows, null))

  // The reference: the same fast scroll over a static page that holds all SESSIONS rows already
  // (no script runs per frame): what this browser on this core does at best.
  const staticPage = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await staticPage.setContent(
    `<div id="v" style="height:600px;overflow-y:auto;position:relative;font-family:system-ui"><div style="height:${SESSIONS * 44}px;position:relative">` +
      Array.from({ length: SESSIONS }, (_, i) => `<div style="position:absolute;top:${i * 44}px;height:44px;left:0;right:0;border-bottom:1px solid #ddd">user${i} Chrome 131 127.0.0.1 3 days ago 2 days ago in 7 days active <button>Revoke</button> <button>Revoke user's</button></div>`).join('') +
      '</div></div>',
  )
  const staticFling = stats(await scrollFrames(staticPage.locator('#v'), FLING_PX))

  // Filter: from the input event to the list showing the matching rows (user000123's sessions).
  const filterMs = await page.evaluate(async (expected) => {
    const input = document.querySelector<HTMLInputElement>('input[aria-label="Filter sessions"]')
    const list = document.querySelector('[aria-label="Session rows"]')
    if (input === null || list === null) throw new Error('no filter or list')
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set
    const started = performance.now()
    setValue?.call(input, 'user000123')
    input.dispatchEvent(new Event('input', { bubbles: true }))
    // No named inner functions here: tsx would wrap them in a helper the page does not have.
    await new Promise<void>((resolve) => {
      new MutationObserver((_m, obs) => {
        if (list.getAttribute('aria-rowcount') !== String(expected)) return
        obs.disconnect()
        resolve()
      }).observe(list, { attributes: true })
      if (list.getAttribute('aria-rowcount') === String(expected)) resolve()
    })
    return performance.now() - started
  }, SESSIONS / 1_000)

  process.stdout.write(
    JSON.stringify({
      jsGzipBytes, sessions: SESSIONS, listMs: Math.round(listMs), renderedRows,
      frames: SCROLL_FRAMES, flingPxPerFrame: FLING_PX, fling, staticFling, jumps, filterMs: +filterMs.toFixed(1),
    }) + '\n',
  )
} finally {
  await browser.close()
  await server.close()
}

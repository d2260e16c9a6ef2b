// The soak's short form (scripts/soak.mjs --seconds 20): 200 loopback connections of mixed clients
// against the real server. Asserts correctness only (no 5xx, no network error, every event stream
// still receiving); RSS and event-loop delay are printed, not asserted (timings belong in bench/).

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { test } from 'node:test'

const SOAK = resolve(import.meta.dirname, '../../scripts/soak.mjs')

test('soak, short form: 200 connections, zero 5xx, every event stream alive at the end', { timeout: 120_000 }, async (t) => {
  const child = spawn(process.execPath, [SOAK, '--seconds', '20', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
  const code = await new Promise<number | null>((res) => child.on('exit', res))
  const last = stdout.trim().split('\n').at(-1) ?? ''
  const result = JSON.parse(last) as Record<string, unknown>
  for (const line of stderr.trim().split('\n')) t.diagnostic(line)
  assert.equal(result.fiveXx, 0, String(result.firstError))
  assert.equal(result.networkErrors, 0, String(result.firstError))
  assert.equal(result.connections, 200)
  assert.equal(result.streamsSilent, 0, 'every event stream still receives at the end')
  assert.ok((result.requests as number) > 1000, `requests: ${String(result.requests)}`)
  assert.equal(code, 0, stderr)
})

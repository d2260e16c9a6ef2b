// `backup FILE` while the server runs and writes (refresh traffic), `restore FILE` into another
// dir: the restored server starts with the same key ring, users and revocations. Restore refuses a
// dir in use, an existing config without --force, and a damaged backup. `--encrypt` seals it with a
// passphrase: no key in clear, a wrong passphrase or one changed byte restores nothing.

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { decryptBackup, encryptBackup } from '../../src/server/core/backup-crypto.ts'
import { ConfigError } from '../../src/server/core/errors.ts'
import { promptHidden } from '../../src/server/prompt.ts'
import type { PromptInput } from '../../src/server/prompt.ts'
import { ADMIN, call, login, tempDir } from '../helpers.ts'
import type { Tokens } from '../helpers.ts'
import { baseEnv, checkConfigDir, crash, exitCode, ready, runCli, serve } from './harness.ts'

async function cli(t: TestContext, args: string[], env?: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = runCli(t, args, { env })
  const code = await exitCode(p)
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}

const ringOf = async (url: string, token: string) =>
  ((await call(url, 'GET', '/api/v1/admin/keys', { token })).body.keys as { kid: string; fingerprint: string; state: string; alg: string }[])
    .map(({ kid, fingerprint, state, alg }) => ({ kid, fingerprint, state, alg }))

test('a backup taken under refresh traffic restores into a server with the same keys, users and revocations', async (t) => {
  const dir = tempDir(t)
  const server = serve(t, join(dir, 'live'))
  const url = await ready(server)
  const admin = await login(url)
  for (const username of ['alice', 'bob']) {
    const r = await call(url, 'POST', '/api/v1/admin/users', { token: admin.access, json: { username, password: `${username}-password-1`, is_active: true } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
  }
  // Keys of both kinds in the ring: Langflow's secret_key, a rotated HS256 key, an RSA pair.
  assert.equal((await call(url, 'POST', '/api/v1/admin/keys/rotate', { token: admin.access })).status, 201)
  assert.equal((await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm: 'RS256' } })).status, 200)
  const revoked: Tokens[] = []
  for (let i = 0; i < 3; i++) {
    const tokens = await login(url, 'alice', 'alice-password-1')
    assert.equal((await call(url, 'POST', '/api/v1/logout', { token: tokens.access })).status, 200)
    revoked.push(tokens)
  }
  const kept = await login(url, 'bob', 'bob-password-1')
  const ring = await ringOf(url, admin.access)

  // Refresh traffic for as long as the backup runs.
  let running = true
  const statuses: number[] = []
  const chains = await Promise.all(Array.from({ length: 8 }, () => login(url, 'alice', 'alice-password-1')))
  const traffic = Promise.all(chains.map(async (start) => {
    let token = start.refresh
    while (running) {
      const r = await call(url, 'POST', '/api/v1/refresh', { form: { refresh_token: token } })
      statuses.push(r.status)
      if (r.status === 200) token = r.body.refresh_token
    }
  }))
  const backupFile = join(dir, 'authdock.backup')
  const backup = await cli(t, ['backup', backupFile, '--config-dir', join(dir, 'live')])
  running = false
  await traffic
  assert.equal(backup.code, 0, backup.stderr)
  assert.match(backup.stdout, /backed up .* authdock\.db, .*keys\/.*private_key\.pem/)
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `refreshes during the backup: ${[...new Set(statuses)].join(', ')}`)
  assert.equal(statSync(backupFile).mode & 0o777, 0o600)

  // Restore is refused into the dir of the running server.
  const busy = await cli(t, ['restore', backupFile, '--config-dir', join(dir, 'live')])
  assert.equal(busy.code, 1)
  assert.match(busy.stderr, /in use by another authdock server \(pid \d+\)/)

  const restoredDir = join(dir, 'restored')
  const restore = await cli(t, ['restore', backupFile, '--config-dir', restoredDir])
  assert.equal(restore.code, 0, restore.stderr)
  const { keys } = checkConfigDir(restoredDir)
  assert.equal(keys.length, ring.length)

  const restored = serve(t, restoredDir)
  const rurl = await ready(restored)
  assert.deepEqual(await ringOf(rurl, admin.access), ring, 'the same key ring, and the admin token of before verifies')
  for (const tokens of revoked) {
    assert.equal((await call(rurl, 'GET', '/api/v1/users/whoami', { token: tokens.access })).status, 401)
    assert.equal((await call(rurl, 'POST', '/api/v1/refresh', { form: { refresh_token: tokens.refresh } })).status, 401)
  }
  assert.equal((await call(rurl, 'GET', '/api/v1/users/whoami', { token: kept.access })).body.username, 'bob')
  await login(rurl, 'alice', 'alice-password-1')
  await login(rurl, ADMIN.username, ADMIN.password)
  await crash(restored)
  await crash(server)
})

test('restore refuses an existing config without --force and a damaged backup; --force replaces, stale WAL included', async (t) => {
  const dir = tempDir(t)
  const live = join(dir, 'live')
  const first = serve(t, live)
  const url = await ready(first)
  const before = await login(url)
  first.child.kill('SIGTERM')
  assert.equal(await exitCode(first), 0)
  const backupFile = join(dir, 'b')
  assert.equal((await cli(t, ['backup', backupFile, '--config-dir', live])).code, 0)

  // Another life of the dir after the backup: a new session, then a crash that leaves a WAL.
  const second = serve(t, live)
  const later = await login(await ready(second))
  await crash(second)

  const refused = await cli(t, ['restore', backupFile, '--config-dir', live])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /already holds authdock\.db, .*pass --force/)

  const damaged = join(dir, 'damaged')
  const envelope = JSON.parse(readFileSync(backupFile, 'utf8'))
  const db = envelope.files.find((f: { path: string }) => f.path === 'authdock.db')
  db.data = Buffer.from(Buffer.from(db.data, 'base64').map((b, i) => (i === 5000 ? b ^ 1 : b))).toString('base64')
  writeFileSync(damaged, JSON.stringify(envelope))
  const empty = join(dir, 'empty')
  const bad = await cli(t, ['restore', damaged, '--config-dir', empty])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /authdock\.db does not match its checksum/)
  assert.ok(!existsSync(empty), 'nothing written')
  writeFileSync(damaged, readFileSync(backupFile, 'utf8').slice(0, 1000))
  assert.match((await cli(t, ['restore', damaged, '--config-dir', empty])).stderr, /not an authdock backup \(not JSON; truncated\?\)/)

  assert.equal((await cli(t, ['restore', backupFile, '--config-dir', live, '--force'])).code, 0)
  const third = serve(t, live)
  const turl = await ready(third)
  assert.equal((await call(turl, 'GET', '/api/v1/users/whoami', { token: before.access })).status, 200)
  assert.equal((await call(turl, 'GET', '/api/v1/users/whoami', { token: later.access })).status, 401, 'the session made after the backup is gone')
  await crash(third)
})

test('backup --encrypt: no private key, secret or password hash in clear; restored with the passphrase; a wrong one or one changed byte restores nothing', async (t) => {
  const dir = tempDir(t)
  const live = join(dir, 'live')
  const first = serve(t, live)
  const url = await ready(first)
  const admin = await login(url)
  // An RSA pair beside Langflow's secret_key: both kinds of private material in the backup.
  assert.equal((await call(url, 'PUT', '/api/v1/admin/algorithm', { token: admin.access, json: { algorithm: 'RS256' } })).status, 200)
  const signed = await login(url)
  first.child.kill('SIGTERM')
  assert.equal(await exitCode(first), 0)

  const passphrase = 'violet harbour stapler 42'
  const sealed = join(dir, 'sealed.backup')
  const short = await cli(t, ['backup', sealed, '--config-dir', live, '--encrypt'], baseEnv({ AUTHDOCK_BACKUP_PASSPHRASE: 'too short' }))
  assert.equal(short.code, 1)
  assert.match(short.stderr, /passphrase must be at least 12 characters/)
  const none = await cli(t, ['backup', sealed, '--config-dir', live, '--encrypt'])
  assert.equal(none.code, 1)
  assert.match(none.stderr, /no passphrase: pass --passphrase-file FILE or set AUTHDOCK_BACKUP_PASSPHRASE/)
  assert.ok(!existsSync(sealed))

  const made = await cli(t, ['backup', sealed, '--config-dir', live, '--encrypt'], baseEnv({ AUTHDOCK_BACKUP_PASSPHRASE: passphrase }))
  assert.equal(made.code, 0, made.stderr)
  assert.match(made.stdout, /backed up .* authdock\.db, .*private_key\.pem.*, encrypted\)/)
  assert.equal(statSync(sealed).mode & 0o777, 0o600)
  const text = readFileSync(sealed, 'utf8')
  // What a plain backup holds of each private file (base64 of its bytes), and the files as they are.
  const plainFile = join(dir, 'plain.backup')
  assert.equal((await cli(t, ['backup', plainFile, '--config-dir', live])).code, 0)
  const plain = readFileSync(plainFile, 'utf8')
  const pem = readFileSync(join(live, 'private_key.pem'), 'utf8')
  const secret = readFileSync(join(live, 'secret_key'), 'utf8')
  const clear = [pem.split('\n')[1] as string, secret.trim(), Buffer.from(pem).toString('base64').slice(64, 128), Buffer.from(secret).toString('base64').slice(0, 40)]
  assert.ok(clear.slice(2).every((c) => plain.includes(c)), 'a plain backup holds the keys, as base64')
  for (const c of [...clear, 'PRIVATE KEY']) assert.ok(!text.includes(c), `the encrypted backup does not hold ${c.slice(0, 16)}…`)
  const envelope = JSON.parse(text)
  assert.deepEqual([envelope.format, envelope.kdf.name, envelope.cipher.name], ['authdock-backup-encrypted', 'scrypt', 'aes-256-gcm'])
  assert.ok(envelope.kdf.N >= 2 ** 15)

  const target = join(dir, 'restored')
  const refusals: [string, string, RegExp][] = []
  const wrong = await cli(t, ['restore', sealed, '--config-dir', target], baseEnv({ AUTHDOCK_BACKUP_PASSPHRASE: 'not the passphrase at all' }))
  refusals.push(['wrong passphrase', wrong.stderr, /cannot be decrypted: the passphrase is wrong, or the file was changed since the backup; nothing was restored/])
  const missing = await cli(t, ['restore', sealed, '--config-dir', target])
  refusals.push(['no passphrase', missing.stderr, /no passphrase/])
  // One byte of the ciphertext flipped, and one of the salt (the key then differs): the tag fails.
  type Sealed = { data: string; kdf: { salt: string } }
  const flip = (b64: string): string => {
    const bytes = Buffer.from(b64, 'base64')
    const i = Math.floor(bytes.length / 2)
    bytes[i] = (bytes[i] as number) ^ 0x01
    return bytes.toString('base64')
  }
  const changes: [string, (e: Sealed) => void][] = [['data', (e) => void (e.data = flip(e.data))], ['salt', (e) => void (e.kdf.salt = flip(e.kdf.salt))]]
  for (const [field, change] of changes) {
    const changed = JSON.parse(text) as Sealed
    change(changed)
    const file = join(dir, `flipped-${field}`)
    writeFileSync(file, JSON.stringify(changed))
    const r = await cli(t, ['restore', file, '--config-dir', target], baseEnv({ AUTHDOCK_BACKUP_PASSPHRASE: passphrase }))
    assert.equal(r.code, 1, r.stderr)
    refusals.push([`a flipped byte of the ${field}`, r.stderr, /cannot be decrypted: the passphrase is wrong, or the file was changed/])
  }
  // One byte of the file itself flipped, wherever it lands in the data.
  const raw = readFileSync(sealed)
  raw[raw.length - 100] = (raw[raw.length - 100] as number) ^ 0x01
  writeFileSync(join(dir, 'flipped-file'), raw)
  const flipped = await cli(t, ['restore', join(dir, 'flipped-file'), '--config-dir', target], baseEnv({ AUTHDOCK_BACKUP_PASSPHRASE: passphrase }))
  refusals.push(['a flipped byte of the file', flipped.stderr, /is not a usable encrypted authdock backup|cannot be decrypted/])
  for (const [what, stderr, message] of refusals) assert.match(stderr, message, what)
  assert.ok(!existsSync(target), 'nothing was restored')

  const passFile = join(dir, 'passphrase.txt')
  writeFileSync(passFile, `${passphrase}\n`, { mode: 0o600 })
  const restore = await cli(t, ['restore', sealed, '--config-dir', target, '--passphrase-file', passFile])
  assert.equal(restore.code, 0, restore.stderr)
  assert.match(restore.stdout, /restored .* into .*, encrypted\)/)
  const restored = serve(t, target)
  const rurl = await ready(restored)
  assert.equal((await call(rurl, 'GET', '/api/v1/users/whoami', { token: signed.access })).status, 200, 'the same keys: a token of before verifies')
  await login(rurl, ADMIN.username, ADMIN.password)
  await crash(restored)
})

/**
 * Runs the CLI in a pseudo-terminal (util-linux `script`), typing each answer after a prompt, or
 * (`pasted`) all of them at once after the first, as a paste does.
 */
async function inTerminal(t: TestContext, args: string[], answers: string[], pasted = false): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
  const cli = [process.execPath, '--import', import.meta.resolve('tsx'), resolve(import.meta.dirname, '../../src/server/cli.ts'), ...args]
  const child = spawn('script', ['-qec', cli.map(quote).join(' '), '/dev/null'], { env: baseEnv() as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] })
  t.after(() => void (child.exitCode === null && child.kill('SIGKILL')))
  let output = ''
  let answered = 0
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
    const prompts = output.match(/passphrase[^:\n]*: /gi)?.length ?? 0
    if (pasted && prompts > 0 && answered === 0) {
      child.stdin.write(answers.map((a) => `${a}\r`).join(''))
      answered = answers.length
    }
    while (answered < prompts && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`)
  })
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)))
  return { code, output }
}

test('in a terminal, backup --encrypt asks for the passphrase twice and restore asks for it; what is typed is not echoed', { skip: !existsSync('/usr/bin/script'), timeout: 120_000 }, async (t) => {
  const dir = tempDir(t)
  const live = join(dir, 'live')
  const first = serve(t, live)
  await login(await ready(first))
  first.child.kill('SIGTERM')
  assert.equal(await exitCode(first), 0)
  const passphrase = 'violet harbour stapler 42'
  const file = join(dir, 'sealed')

  const differ = await inTerminal(t, ['backup', file, '--config-dir', live, '--encrypt'], [passphrase, 'something else entirely'])
  assert.equal(differ.code, 1)
  assert.match(differ.output, /the two passphrases differ; nothing was written/)
  assert.ok(!existsSync(file))

  const made = await inTerminal(t, ['backup', file, '--config-dir', live, '--encrypt'], [passphrase, passphrase])
  assert.equal(made.code, 0, made.output)
  assert.match(made.output, /Backup passphrase: [\s\S]*The same passphrase again: [\s\S]*encrypted\)/)
  assert.ok(!made.output.includes(passphrase), 'not echoed')
  // Both answers pasted in one go: the second is kept for the second question (lost, the second
  // question would wait for ever: hence the test's timeout).
  const again = join(dir, 'sealed-pasted')
  const pasted = await inTerminal(t, ['backup', again, '--config-dir', live, '--encrypt'], [passphrase, passphrase], true)
  assert.equal(pasted.code, 0, pasted.output)
  assert.ok(existsSync(again))
  const restored = await inTerminal(t, ['restore', file, '--config-dir', join(dir, 'restored')], [passphrase])
  assert.equal(restored.code, 0, restored.output)
  assert.match(restored.output, /restored .*, encrypted\)/)
})

test('an encrypted backup asking for scrypt N = 2^19 (512 MiB) is refused before any key is derived; the file as written opens', () => {
  const sealed = JSON.parse(encryptBackup(Buffer.from('{}'), 'violet harbour stapler 42')) as Record<string, unknown> & { kdf: Record<string, unknown> }
  const claiming = (N: number) => ({ ...sealed, kdf: { ...sealed.kdf, N } })
  // Had a key been derived, the changed header would fail as a wrong passphrase does ("cannot be decrypted").
  assert.throws(() => decryptBackup(claiming(2 ** 19), 'violet harbour stapler 42', 'sealed'),
    (err: unknown) => err instanceof ConfigError && err.message === 'sealed is not a usable encrypted authdock backup: scrypt N must be a power of two from 2^15 to 2^18')
  assert.deepEqual(decryptBackup(sealed, 'violet harbour stapler 42', 'sealed'), Buffer.from('{}'))
})

/** A TTY stdin that is fed by hand. */
class FakeTty extends EventEmitter {
  raw = false
  setRawMode(mode: boolean): this {
    this.raw = mode
    return this
  }
  resume(): this {
    return this
  }
  pause(): this {
    return this
  }
  setEncoding(): this {
    return this
  }
}

test('the passphrase prompt keeps what was typed ahead (a paste of both answers in one chunk) for the next question', async () => {
  const tty = new FakeTty()
  const input = tty as unknown as PromptInput
  const shown: string[] = []
  const out = { write: (s: string) => shown.push(s) > 0 }
  const first = promptHidden('Backup passphrase: ', input, out)
  tty.emit('data', 'violet harbour\rviolet harbour\r\nsta')
  assert.equal(await first, 'violet harbour')
  assert.equal(await promptHidden('The same passphrase again: ', input, out), 'violet harbour', 'the second line of the chunk, not lost')
  // A partial line typed ahead starts the next answer; a CRLF ended only one line.
  const third = promptHidden('Third: ', input, out)
  tty.emit('data', 'pler\r')
  assert.equal(await third, 'stapler')
  assert.equal(tty.raw, false, 'echo back on')
  assert.equal(tty.listenerCount('data'), 0)
  assert.deepEqual(shown, ['Backup passphrase: ', '\n', 'The same passphrase again: ', '\n', 'Third: ', '\n'])
})

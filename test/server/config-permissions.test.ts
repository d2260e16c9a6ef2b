// The config dir and what authdock reads from it, like ssh's StrictModes: another user's or an
// other-writable .env, key or database stops the start naming the file and the fix; what is ours
// and only too open is tightened and logged; the checklist shows the modes as they are.

import assert from 'node:assert/strict'
import { chmodSync, chownSync, lchownSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { secureConfigDir } from '../../src/server/core/config-permissions.ts'
import { withDotEnv } from '../../src/server/core/config-dir.ts'
import { ConfigError } from '../../src/server/core/errors.ts'
import { createAuthServer } from '../../src/server/index.ts'
import { createLogger } from '../../src/server/log.ts'
import { call, login, startServer, tempDir, testEnv } from '../helpers.ts'

const posix = process.platform !== 'win32'
const root = process.getuid?.() === 0
const mode = (path: string): number => statSync(path).mode & 0o7777
const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** A uid that is neither ours nor root's. */
const OTHER_UID = 4321

async function startFails(dir: string, message: RegExp): Promise<void> {
  await assert.rejects(
    createAuthServer({ configDir: dir, env: testEnv(), log: createLogger(() => {}) }),
    (err: unknown) => err instanceof ConfigError && message.test(err.message),
  )
}

const checklistItem = async (url: string, token: string) =>
  (await call(url, 'GET', '/api/v1/admin/checklist', { token })).body.items.find((i: { id: string }) => i.id === 'config_dir')

test('a config dir that exists with mode 0777 is made 0700 and the log says so; the checklist passes then, and warns after a later chmod', { skip: !posix }, async (t) => {
  const dir = tempDir(t)
  chmodSync(dir, 0o777)
  const { url, logs } = await startServer(t, { configDir: dir })
  assert.equal(mode(dir), 0o700)
  const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'warn' && String(l.msg).includes(dir))
  assert.equal(line?.msg, `the config dir ${dir} was writable by other users (mode 777); it is now 700`)
  const admin = await login(url)
  assert.equal((await checklistItem(url, admin.access)).status, 'pass')

  chmodSync(dir, 0o777)
  chmodSync(join(dir, 'secret_key'), 0o644)
  const item = await checklistItem(url, admin.access)
  assert.equal(item.status, 'warn')
  assert.match(item.why, new RegExp(`the config dir ${escaped(dir)} has mode 777; run: chmod 700 ${escaped(dir)}`))
  assert.match(item.why, new RegExp(`${escaped(join(dir, 'secret_key'))} is readable by other users \\(mode 644\\); run: chmod 600`))
  chmodSync(dir, 0o700)
})

test('a .env, key or database that others may write stops the start, naming the file and the chmod; nothing is read or changed', { skip: !posix }, async (t) => {
  const dir = tempDir(t)
  const env = join(dir, '.env')
  writeFileSync(env, 'LANGFLOW_SUPERUSER=intruder\nLANGFLOW_SUPERUSER_PASSWORD=violet-harbour-stapler-42\n')
  chmodSync(env, 0o666)
  await startFails(dir, new RegExp(`^${escaped(env)} is writable by other users \\(mode 666\\): anyone on this machine could have changed it. Check it, then run: chmod 600 ${escaped(env)}$`))
  assert.equal(mode(env), 0o666, 'left for the owner to check')

  // A dir a server has used: its key and its database.
  const used = tempDir(t)
  await (await startServer(t, { configDir: used })).close()
  for (const file of ['secret_key', 'authdock.db']) {
    const path = join(used, file)
    chmodSync(path, 0o602)
    await startFails(used, new RegExp(`^${escaped(path)} is writable by other users \\(mode 602\\)`))
    chmodSync(path, 0o600)
  }
  // Readable by others only: ours, so tightened, and the start goes on.
  chmodSync(join(used, 'secret_key'), 0o644)
  const again = await startServer(t, { configDir: used })
  assert.equal(mode(join(used, 'secret_key')), 0o600)
  assert.ok(again.logs.some((l) => l.includes(`${join(used, 'secret_key')} was readable by other users (mode 644); it is now 600`)))
})

test('a .env or key another user owns (a file dropped into an open config dir) stops the start, and so does a symlink they planted', { skip: !posix || !root }, async (t) => {
  const dir = tempDir(t)
  const env = join(dir, '.env')
  writeFileSync(env, 'LANGFLOW_SUPERUSER=intruder\nLANGFLOW_SUPERUSER_PASSWORD=violet-harbour-stapler-42\n', { mode: 0o600 })
  chownSync(env, OTHER_UID, OTHER_UID)
  await startFails(dir, new RegExp(`^${escaped(env)} belongs to uid ${OTHER_UID}, not to you \\(uid 0\\): another user could have written it. Check it, then run: chown 0 ${escaped(env)}$`))

  // Their symlink to a file of ours: the link is what they control.
  const planted = tempDir(t)
  writeFileSync(join(planted, 'elsewhere'), 'x'.repeat(43), { mode: 0o600 })
  symlinkSync(join(planted, 'elsewhere'), join(planted, 'secret_key'))
  lchownSync(join(planted, 'secret_key'), OTHER_UID, OTHER_UID)
  await startFails(planted, new RegExp(`^${escaped(join(planted, 'secret_key'))} belongs to uid ${OTHER_UID}`))
  // Our symlink to a file of theirs: what it points to is theirs.
  lchownSync(join(planted, 'secret_key'), 0, 0)
  chownSync(join(planted, 'elsewhere'), OTHER_UID, OTHER_UID)
  await startFails(planted, new RegExp(`^${escaped(join(planted, 'secret_key'))} belongs to uid ${OTHER_UID}`))

  const theirs = tempDir(t)
  chownSync(theirs, OTHER_UID, OTHER_UID)
  await startFails(theirs, new RegExp(`^the config dir ${escaped(theirs)} belongs to uid ${OTHER_UID}, not to you`))
})

test('the group counts as others unless it is our own primary group (user private groups, a Kubernetes fsGroup)', { skip: !posix || !root }, async (t) => {
  const dir = tempDir(t)
  await (await startServer(t, { configDir: dir })).close()
  const key = join(dir, 'secret_key')
  chmodSync(dir, 0o2770) // what kubelet makes of a volume whose fsGroup is the pod's group
  chmodSync(key, 0o660)
  const ours = await startServer(t, { configDir: dir })
  await login(ours.url)
  assert.equal(mode(key), 0o660, 'our own group may keep its access')
  assert.deepEqual(secureConfigDir(dir), [])
  await ours.close()

  chownSync(key, 0, OTHER_UID)
  await startFails(dir, new RegExp(`^${escaped(key)} is writable by other users \\(mode 660\\)`))
})

test('the CLI\'s ./.env is refused the same way when others may write it; Windows is not checked', { skip: !posix }, (t) => {
  const dir = tempDir(t)
  const file = join(dir, '.env')
  writeFileSync(file, 'AUTHDOCK_PORT=1\n')
  assert.equal(withDotEnv({}, file).AUTHDOCK_PORT, '1')
  chmodSync(file, 0o646)
  assert.throws(() => withDotEnv({}, file), (err: unknown) => err instanceof ConfigError && err.message.includes(`chmod 600 ${file}`))

  chmodSync(dir, 0o777)
  assert.deepEqual(secureConfigDir(dir, { platform: 'win32' }), [])
  assert.equal(mode(dir), 0o777, 'no POSIX modes to judge on Windows')
  chmodSync(dir, 0o700)
})

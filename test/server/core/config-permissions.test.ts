// The config dir and what authdock reads from it, like ssh's StrictModes: another user's or an
// other-writable .env, key or database stops the start naming the file and the fix; what is ours
// and only too open is tightened and logged; the checklist shows the modes as they are.

import assert from 'node:assert/strict'
import { chmodSync, chownSync, lchownSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { configDirProblems, readTrustedFile, secureConfigDir } from '../../../src/server/core/config-permissions.ts'
import { withDotEnv } from '../../../src/server/core/config-dir.ts'
import { ConfigError } from '../../../src/server/core/errors.ts'
import { createAuthServer } from '../../../src/server/index.ts'
import { createLogger } from '../../../src/server/log.ts'
import { call, login, startServer, tempDir, testEnv } from '../../helpers.ts'

const posix = process.platform !== 'win32'
const root = process.getuid?.() === 0
const mode = (path: string): number => statSync(path).mode & 0o7777
const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** A uid that is neither ours nor root's. */
const OTHER_UID = 4321

async function startFails(dir: string, message: RegExp): Promise<void> {
  await assert.rejects(
    // one that starts after all is closed, so that the failure is reported rather than hanging
    createAuthServer({ configDir: dir, env: testEnv(), log: createLogger(() => {}) }).then(async (server) => {
      await server.close()
      return server
    }),
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

test('the group counts as others unless it is our own primary group and private to us (root\'s, here)', { skip: !posix || !root }, async (t) => {
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

test('a rollback journal is checked like the database; anything another user owns in a config dir (or keys/) found open stops the start, named', { skip: !posix || !root }, async (t) => {
  const dir = tempDir(t)
  await (await startServer(t, { configDir: dir })).close()
  // SQLite replays a hot journal when it opens the database: one others may write is refused.
  const journal = join(dir, 'authdock.db-journal')
  writeFileSync(journal, '', { mode: 0o600 })
  chmodSync(journal, 0o666)
  await startFails(dir, new RegExp(`^${escaped(journal)} is writable by other users \\(mode 666\\)`))
  rmSync(journal)

  // Dropped by another user while the dir was 0777: the journal, or any file at all (below).
  chmodSync(dir, 0o777)
  writeFileSync(journal, '')
  chownSync(journal, OTHER_UID, OTHER_UID)
  await startFails(dir, new RegExp(`^${escaped(journal)} belongs to uid ${OTHER_UID}, not to you \\(uid 0\\)`))
  assert.equal(mode(dir), 0o700, 'closed at once')
  rmSync(journal)
  chmodSync(dir, 0o777)
  const notes = join(dir, 'notes')
  writeFileSync(notes, 'x')
  chownSync(notes, OTHER_UID, OTHER_UID)
  await startFails(dir, new RegExp(`^${escaped(notes)} belongs to uid ${OTHER_UID}, not to you \\(uid 0\\): another user put it in ${escaped(dir)} while it was open to others \\(mode 777\\). Check it, then remove it \\(rm -r ${escaped(notes)}\\) or run: chown -R 0 ${escaped(notes)} \\(${escaped(dir)} is now 700\\)$`))
  // The checklist names it too while the dir is open.
  chmodSync(dir, 0o777)
  assert.ok(configDirProblems(dir).some((p) => p.startsWith(`${notes} belongs to uid ${OTHER_UID}`)))
  // In a dir that was private, only root could have put it there: not refused.
  chmodSync(dir, 0o700)
  await (await startServer(t, { configDir: dir })).close()
  rmSync(notes)

  const keys = join(dir, 'keys')
  mkdirSync(keys, { recursive: true, mode: 0o700 })
  chmodSync(keys, 0o777)
  const stray = join(keys, 'stray')
  writeFileSync(stray, 'x')
  chownSync(stray, OTHER_UID, OTHER_UID)
  await startFails(dir, new RegExp(`^${escaped(stray)} belongs to uid ${OTHER_UID}, not to you \\(uid 0\\): another user put it in ${escaped(keys)}`))
  assert.equal(mode(keys), 0o700)
})

test('group bits are relaxed only for a user private group: named as we are, no other member; a shared group (staff, users) or one not found is other users', { skip: !posix }, (t) => {
  const gid = process.getgid?.() as number
  const groups = tempDir(t)
  const groupFile = (name: string, lines: string): string => {
    const path = join(groups, name)
    writeFileSync(path, lines)
    return path
  }
  const cases: [string, string, boolean][] = [
    ['private', `wheel:x:${gid + 1}:me\nme:x:${gid}:\n`, true],
    ['private, listing us', `me:x:${gid}:me\n`, true],
    ['macOS staff', `staff:x:${gid}:\n`, false],
    ['our name, another member', `me:x:${gid}:me,alice\n`, false],
    ['not found', `me:x:${gid + 1}:\n`, false],
  ]
  for (const [what, lines, relaxed] of cases) {
    const options = { userName: 'me', groupFile: groupFile(what, lines) }
    const dir = tempDir(t)
    chmodSync(dir, 0o770)
    const env = join(dir, '.env')
    writeFileSync(env, 'AUTHDOCK_PORT=1\n')
    chmodSync(env, 0o660)
    if (relaxed) {
      assert.equal(readTrustedFile(env, options), 'AUTHDOCK_PORT=1\n', what)
      assert.deepEqual(configDirProblems(dir, options), [], what)
      assert.deepEqual(secureConfigDir(dir, options), [], what)
      assert.equal(mode(dir), 0o770, what)
      continue
    }
    const writable = new RegExp(`^${escaped(env)} is writable by other users \\(mode 660\\)`)
    assert.throws(() => readTrustedFile(env, options), (err: unknown) => err instanceof ConfigError && writable.test(err.message), what)
    const problems = configDirProblems(dir, options)
    assert.ok(problems.includes(`the config dir ${dir} has mode 770; run: chmod 700 ${dir}`), what)
    assert.ok(problems.some((p) => writable.test(p)), what)
    assert.throws(() => secureConfigDir(dir, options), (err: unknown) => err instanceof ConfigError && writable.test(err.message), what)
    assert.equal(mode(dir), 0o700, `${what}: the dir is closed`)
  }
})

test('a .env is read through one descriptor: a symlink is refused (O_NOFOLLOW), and so is what is not a regular file', { skip: !posix }, (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'elsewhere'), 'LANGFLOW_SUPERUSER=intruder\n', { mode: 0o600 })
  const env = join(dir, '.env')
  symlinkSync(join(dir, 'elsewhere'), env)
  assert.throws(() => withDotEnv({}, env), (err: unknown) => err instanceof ConfigError && err.message === `${env} is a symbolic link: authdock reads it only as a file of its own. Check where it points, then replace the link with that file`)
  rmSync(env)
  mkdirSync(env, { mode: 0o700 })
  assert.throws(() => withDotEnv({}, env), (err: unknown) => err instanceof ConfigError && err.message === `${env} is not a regular file: authdock reads it only as a file of its own`)
})

test('the config dir is closed to others before its .env is read', { skip: !posix }, async (t) => {
  const dir = tempDir(t)
  chmodSync(dir, 0o777)
  // A .env that cannot be read: the start stops there, and by then the dir must be closed.
  mkdirSync(join(dir, '.env'), { mode: 0o700 })
  const lines: string[] = []
  await assert.rejects(
    createAuthServer({ configDir: dir, env: testEnv(), log: createLogger((l) => lines.push(l)) }),
    (err: unknown) => err instanceof ConfigError && err.message.includes('.env is not a regular file'),
  )
  assert.equal(mode(dir), 0o700)
  assert.ok(lines.some((l) => l.includes(`the config dir ${dir} was writable by other users (mode 777); it is now 700`)))
})

// `npm run serve`: the auth server headless. Prints `listening on http://HOST:PORT` when ready;
// SIGINT/SIGTERM, or the death of the launcher that started it, let in-flight requests finish and
// close the database.

import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { backupConfigDir, isEncryptedBackupFile, restoreConfigDir } from './core/backup.ts'
import { defaultConfigDir, withDotEnv } from './core/config-dir.ts'
import { ConfigError } from './core/errors.ts'
import { createAuthServer } from './index.ts'
import { watchLauncher } from './launcher-pipe.ts'
import { promptHidden } from './prompt.ts'

const BACKUP_USAGE = `usage: npm run serve -- backup FILE [--config-dir DIR] [--encrypt [--passphrase-file F]]
       npm run serve -- restore FILE [--config-dir DIR] [--force] [--passphrase-file F]

  backup   the database and key files into FILE (0600); safe while the server runs.
           It holds the private keys and every password hash: --encrypt seals it
           with a passphrase (scrypt + AES-256-GCM)
  restore  FILE into the config dir; refused while a server uses it, and over an
           existing database or keys unless --force. An encrypted FILE asks for
           its passphrase
  The passphrase: --passphrase-file F, else AUTHDOCK_BACKUP_PASSPHRASE, else a
  prompt when run in a terminal.
`

/** The usage, naming the config dir this environment would use (LANGFLOW_CONFIG_DIR, else the per-user one). */
const usage = (env: Record<string, string | undefined>): string => `usage: npm run serve -- [--host HOST] [--port PORT] [--config-dir DIR]

  --host        address to bind (env AUTHDOCK_HOST, default 127.0.0.1)
  --port        port to bind, 0 for any free one (env AUTHDOCK_PORT, default 7861)
  --config-dir  where keys and the database live (env LANGFLOW_CONFIG_DIR,
                here: ${defaultConfigDir(env)})

${BACKUP_USAGE}`

/** The passphrase from --passphrase-file, AUTHDOCK_BACKUP_PASSPHRASE or a prompt, in that order. */
async function passphraseOf(file: string | undefined, env: Record<string, string | undefined>, confirm: boolean): Promise<string> {
  if (file !== undefined) {
    try {
      return readFileSync(resolve(file), 'utf8').replace(/\r?\n$/, '') // one trailing newline, as echo writes it
    } catch (err) {
      fail(`cannot read the passphrase file ${resolve(file)}: ${(err as Error).message}`)
    }
  }
  const fromEnv = env.AUTHDOCK_BACKUP_PASSPHRASE
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (!process.stdin.isTTY) fail('no passphrase: pass --passphrase-file FILE or set AUTHDOCK_BACKUP_PASSPHRASE (or run this in a terminal to be asked)')
  const passphrase = await promptHidden('Backup passphrase: ')
  if (confirm && (await promptHidden('The same passphrase again: ')) !== passphrase) fail('the two passphrases differ; nothing was written')
  return passphrase
}

export async function main(argv: string[], processEnv: NodeJS.ProcessEnv): Promise<void> {
  if (argv[0] === 'backup' || argv[0] === 'restore') return backupCommand(argv[0], argv.slice(1), processEnv)
  let args
  try {
    args = parseArgs({
      args: argv,
      options: { host: { type: 'string' }, port: { type: 'string' }, 'config-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values
  } catch (err) {
    fail(`${(err as Error).message}\n${usage(processEnv)}`)
  }
  if (args.help) {
    process.stdout.write(usage(processEnv))
    return
  }
  // Variables already set win over ./.env; the config dir's .env is read by the server itself.
  const env: Record<string, string | undefined> = { ...withDotEnv(processEnv, join(process.cwd(), '.env')) }
  if (args.host !== undefined) env.AUTHDOCK_HOST = args.host
  if (args.port !== undefined) env.AUTHDOCK_PORT = args.port
  const configDir = args['config-dir'] !== undefined ? resolve(args['config-dir']) : defaultConfigDir(env)

  let server
  try {
    server = await createAuthServer({ configDir, env, consoleDir: consoleDir() })
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  let address
  try {
    address = await server.listen()
  } catch (err) {
    await server.close()
    fail(`cannot listen: ${(err as Error).message}`)
  }
  const code = server.setupCode()
  if (code !== null) {
    // For the operator at the terminal only; it never goes to the log.
    process.stdout.write(`no users yet: create the first superuser with setup code ${code}\n  curl -X POST ${address.url}/api/v1/setup -H 'Content-Type: application/json' -d '{"code":"${code}","username":"admin","password":"..."}'\n`)
  }
  process.stdout.write(`listening on ${address.url}\n`)

  const stop = (signal: string) => {
    process.stderr.write(`${signal}: closing\n`)
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while closing: ${String(err)}\n`)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  // Started by scripts/start.mjs in a process group of its own, the server gets no signal when the
  // launcher is killed outright: its pipe closing is the notice.
  watchLauncher(processEnv, () => stop('launcher gone'))
  // A new config dir's first RSA key is generated while the server already listens: failing to
  // make it (a full disk) is as fatal as any other start-up error.
  server.core.keys.pending()?.catch(async (err: unknown) => {
    await server.close()
    fail(err instanceof ConfigError ? err.message : `cannot create the signing key: ${String(err)}`)
  })
}

async function backupCommand(command: 'backup' | 'restore', argv: string[], processEnv: NodeJS.ProcessEnv): Promise<void> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: { 'config-dir': { type: 'string' }, force: { type: 'boolean' }, encrypt: { type: 'boolean' }, 'passphrase-file': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (err) {
    fail(`${(err as Error).message}\n${BACKUP_USAGE}`)
  }
  const [file, ...extra] = parsed.positionals
  const { values } = parsed
  const misplaced = command === 'backup' ? values.force === true || (values['passphrase-file'] !== undefined && values.encrypt !== true) : values.encrypt === true
  if (file === undefined || extra.length > 0 || misplaced) fail(BACKUP_USAGE)
  const env = withDotEnv(processEnv, join(process.cwd(), '.env'))
  const configDir = parsed.values['config-dir'] !== undefined ? resolve(parsed.values['config-dir']) : defaultConfigDir(env)
  const target = resolve(file)
  const needsPassphrase = command === 'backup' ? values.encrypt === true : isEncryptedBackupFile(target)
  const passphrase = needsPassphrase ? await passphraseOf(values['passphrase-file'], env, command === 'backup') : undefined
  try {
    const done = command === 'backup'
      ? await backupConfigDir(configDir, target, { passphrase })
      : restoreConfigDir(target, configDir, { force: values.force === true, passphrase })
    const verb = command === 'backup' ? `backed up ${configDir} to ${target}` : `restored ${target} into ${configDir}`
    process.stdout.write(`${verb}: ${done.files.join(', ')} (${done.bytes} bytes${done.encrypted ? ', encrypted' : ''})\n`)
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
}

/** The web console built by `npm run build`, when it exists. */
function consoleDir(): string | undefined {
  const dir = resolve(import.meta.dirname, '../../out/renderer')
  return existsSync(dir) ? dir : undefined
}

function fail(message: string): never {
  process.stderr.write(`authdock: ${message}\n`)
  process.exit(1)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await main(process.argv.slice(2), process.env)
}

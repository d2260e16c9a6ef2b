// The key ring: one active signing key, older keys verify-only until the last access token they
// signed has expired, then retired. Rotation and algorithm switches log no one out.
// Metadata lives in the database, material in files of the config dir (or in env, never copied).

import type { JsonWebKey } from 'node:crypto'
import { join } from 'node:path'
import type { RequestContext } from '../audit.ts'
import type { Algorithm, Config } from '../config.ts'
import type { Clock } from '../clock.ts'
import { AuthError, ConfigError } from '../errors.ts'
import type { KeyRecord, KeySource, Store } from '../store/types.ts'
import type { KeyFiles } from './key-files.ts'
import { LANGFLOW_FILES, langflowFilesExist, readMaterial, removeMaterial, ringFiles, writeMaterial } from './key-files.ts'
import type { LoadedKey, Material } from './key-material.ts'
import { KeyMaterialError, generateRsa, generateSecret, isRsa, loadKey, parseRsa } from './key-material.ts'
import { GENERATE_SECRET_HINT, secretStrength } from './secret-strength.ts'

export interface KeyRingDeps {
  readonly store: Store
  readonly configDir: string
  readonly clock: Clock
  readonly config: Config
  /** When the last access token issued so far expires: until then a demoted key must keep verifying. */
  readonly accessTokensValidUntil: () => number
  readonly onChange?: (event: KeyRingEvent) => void
  readonly warn?: (message: string) => void
}

/** Who asked for a change, for the audit trail (absent for the server's own retirements). */
export interface KeyChangeActor {
  readonly user: { readonly id: string; readonly username: string }
  readonly context: RequestContext
}

export type KeyRingEvent = (
  | { readonly type: 'key_rotated'; readonly kid: string; readonly alg: Algorithm; readonly previousKid: string | null }
  | { readonly type: 'algorithm_switched'; readonly kid: string; readonly alg: Algorithm; readonly previousKid: string | null; readonly previousAlg: Algorithm | null }
  | { readonly type: 'key_retired'; readonly kid: string; readonly alg: Algorithm }
  | { readonly type: 'key_imported'; readonly kid: string; readonly alg: Algorithm; readonly previousKid: string | null }
) & { readonly by?: KeyChangeActor }

/** Key material an admin brings: a secret for HS256, a PEM pair for RS256/RS512. */
export interface ImportedMaterial {
  readonly secret?: unknown
  readonly privateKey?: unknown
  readonly publicKey?: unknown
}

const MAX_SECRET_LENGTH = 1024
/** What a client that meets the ring without a signer is told to wait: generating takes 0.1–2 s. */
const NOT_READY_RETRY_SECONDS = 1
const MAX_PEM_LENGTH = 16_384

export interface Jwk extends JsonWebKey {
  kid: string
  alg: Algorithm
  use: 'sig'
}

export type KeyRing = Awaited<ReturnType<typeof createKeyRing>>

const kindOf = (alg: Algorithm): Material['kind'] => (isRsa(alg) ? 'rsa' : 'secret')
const envVarOf = (alg: Algorithm): string => (isRsa(alg) ? 'LANGFLOW_PRIVATE_KEY' : 'LANGFLOW_SECRET_KEY')

export async function createKeyRing(deps: KeyRingDeps) {
  const { store, configDir, clock, config } = deps
  const usable = new Map<string, LoadedKey>() // active + verify-only, by kid
  let active: LoadedKey | undefined
  let jwksCache: { keys: Jwk[] } = { keys: [] }
  let queue: Promise<unknown> = Promise.resolve()

  function envMaterial(alg: Algorithm): Material | null {
    if (!isRsa(alg)) return config.secretKey === null ? null : { kind: 'secret', secret: config.secretKey }
    if (config.privateKeyPem === null) return null
    try {
      return parseRsa(config.privateKeyPem, config.publicKeyPem).material
    } catch (err) {
      if (!(err instanceof KeyMaterialError)) throw err
      const variable = err.message.startsWith('public key') ? 'LANGFLOW_PUBLIC_KEY' : 'LANGFLOW_PRIVATE_KEY'
      throw new ConfigError(`${variable} ${err.message.replace(/^public key /, '')}`, { cause: err })
    }
  }

  function materialOf(record: KeyRecord): Material | null {
    if (record.source === 'env') {
      const material = envMaterial(record.alg)
      return material !== null && loadKey(record.alg, material).kid === record.kid ? material : null
    }
    if (record.privateFile === null) return null
    return readMaterial(configDir, kindOf(record.alg), { privateFile: record.privateFile, publicFile: record.publicFile })
  }

  function refreshJwks(): void {
    const keys: Jwk[] = []
    for (const key of usable.values()) {
      if (!isRsa(key.alg)) continue // a symmetric key is never published
      const { n, e, kty } = key.verifyKey.export({ format: 'jwk' })
      keys.push({ kty, n, e, kid: key.kid, alg: key.alg, use: 'sig' })
    }
    jwksCache = { keys }
  }

  /** Makes `key` the signer; the previous active key keeps verifying for one access lifetime. */
  function activate(key: LoadedKey, source: KeySource, files: KeyFiles | null, alsoInTx?: () => void): string | null {
    const now = clock.now()
    const previous = active
    store.transaction(() => {
      if (previous) store.keys.deactivate(previous.kid, now, deps.accessTokensValidUntil())
      if (store.keys.all().some((r) => r.kid === key.kid)) store.keys.activate(key.kid, now)
      else
        store.keys.insert({
          kid: key.kid, alg: key.alg, state: 'active', source, fingerprint: key.fingerprint,
          privateFile: files?.privateFile ?? null, publicFile: files?.publicFile ?? null,
          createdAt: now, activatedAt: now, deactivatedAt: null, retireAfter: null, retiredAt: null,
        })
      alsoInTx?.()
    })
    if (previous) usable.set(previous.kid, { ...previous, signingKey: null })
    usable.set(key.kid, key)
    active = key
    refreshJwks()
    return previous?.kid ?? null
  }

  type NewKey = { key: LoadedKey; source: KeySource; files: KeyFiles | null }

  /** A new key for `alg`: from env if it pins one, Langflow's files on first use, else generated. */
  async function newKey(alg: Algorithm, adoptLangflowFiles: boolean): Promise<NewKey> {
    return givenKey(alg, adoptLangflowFiles) ?? generatedKey(alg)
  }

  /** The key env pins for `alg`, or Langflow's files on first use; null when one must be generated. */
  function givenKey(alg: Algorithm, adoptLangflowFiles: boolean): NewKey | null {
    const fromEnv = envMaterial(alg)
    if (fromEnv !== null) return { key: loadKey(alg, fromEnv), source: 'env', files: null }
    const kind = kindOf(alg)
    const langflow: KeyFiles = LANGFLOW_FILES[kind]
    const langflowInUse = store.keys.all().some((r) => r.privateFile === langflow.privateFile)
    if (adoptLangflowFiles && !langflowInUse && langflowFilesExist(configDir, kind)) {
      return { key: loadKey(alg, readMaterial(configDir, kind, langflow)), source: 'file', files: langflow }
    }
    return null
  }

  async function generatedKey(alg: Algorithm): Promise<NewKey> {
    const kind = kindOf(alg)
    const langflow: KeyFiles = LANGFLOW_FILES[kind]
    const langflowInUse = store.keys.all().some((r) => r.privateFile === langflow.privateFile)
    const material = kind === 'rsa' ? await generateRsa() : generateSecret()
    const key = loadKey(alg, material)
    const files = !langflowInUse && !langflowFilesExist(configDir, kind) ? langflow : ringFiles(key.kid, kind)
    writeMaterial(configDir, files, material) // before the database names it, so a crash leaves no dangling row
    return { key, source: 'generated', files }
  }

  /** Retires verify-only keys whose last token has expired; with `all`, every verify-only key now. */
  function retireDue(all = false): string[] {
    const now = clock.now()
    const retired: string[] = []
    for (const record of store.keys.all()) {
      if (record.state !== 'verify-only') continue
      if (!all && (record.retireAfter === null || record.retireAfter > now)) continue
      store.keys.retire(record.kid, now)
      usable.delete(record.kid)
      if (record.privateFile !== null) removeMaterial(configDir, { privateFile: record.privateFile, publicFile: record.publicFile })
      retired.push(record.kid)
      deps.onChange?.({ type: 'key_retired', kid: record.kid, alg: record.alg })
    }
    if (retired.length > 0) refreshJwks()
    return retired
  }

  /** Validates what an admin pasted; every problem is an INVALID_KEY naming what is wrong. */
  function importedMaterial(alg: Algorithm, input: ImportedMaterial): Material {
    const bad = (message: string) => new AuthError('INVALID_KEY', message)
    if (!isRsa(alg)) {
      const raw = input.secret
      if (typeof raw !== 'string') throw bad('secret is required for HS256')
      // Trimmed as the key file is read back at start-up: pasted whitespace must not change the key.
      const secret = raw.trim()
      if (secret.length < 32) throw bad(`secret must be at least 32 characters long (got ${secret.length}); generate one with: openssl rand -base64 32`)
      if (secret.length > MAX_SECRET_LENGTH) throw bad(`secret must be at most ${MAX_SECRET_LENGTH} characters long`)
      const { problem } = secretStrength(secret)
      if (problem !== null) throw bad(`secret ${problem}; ${GENERATE_SECRET_HINT}`)
      return { kind: 'secret', secret }
    }
    const { privateKey, publicKey } = input
    if (typeof privateKey !== 'string' || privateKey.trim() === '') throw bad(`private_key (PEM) is required for ${alg}`)
    if (publicKey !== undefined && publicKey !== null && typeof publicKey !== 'string') throw bad('public_key must be a PEM string')
    if (privateKey.length > MAX_PEM_LENGTH || (publicKey?.length ?? 0) > MAX_PEM_LENGTH) throw bad('the key is too large')
    try {
      return parseRsa(privateKey, publicKey || null).material
    } catch (err) {
      if (!(err instanceof KeyMaterialError)) throw err
      throw bad(err.message.startsWith('public key') ? err.message : `private_key ${err.message}`)
    }
  }

  function refuseAlgorithmChangeIfPinned(alg: Algorithm, current: LoadedKey): void {
    if (alg !== current.alg && config.sources.LANGFLOW_ALGORITHM === 'env') {
      throw new AuthError('ENV_PINNED', 'The algorithm is set by LANGFLOW_ALGORITHM; change it there', { fields: { variable: 'LANGFLOW_ALGORITHM' } })
    }
  }

  /** A new key of our own for `alg` is refused where env pins the algorithm (to another) or the key. */
  function refuseIfPinned(alg: Algorithm, current: LoadedKey): void {
    refuseAlgorithmChangeIfPinned(alg, current)
    if (envMaterial(alg) !== null) {
      throw new AuthError('ENV_PINNED', `The ${alg} key is set by ${envVarOf(alg)}; change it there`, { fields: { variable: envVarOf(alg) } })
    }
  }

  function signer(): LoadedKey {
    if (active) return active
    throw new AuthError('KEYS_NOT_READY', 'The signing key is still being generated; try again in a moment', { retryAfterSeconds: NOT_READY_RETRY_SECONDS })
  }

  /** One change at a time: a second click waits for the first rotation to finish. */
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn)
    queue = run.catch(() => undefined)
    return run
  }

  // --- start-up: load what the database names, then make sure the configured algorithm signs ---
  const startedAt = clock.now()
  for (const record of store.keys.all()) {
    if (record.state === 'retired') continue
    const material = materialOf(record)
    if (material === null) {
      // An env-pinned key no longer in the environment: nothing can verify its tokens any more.
      // retire() never touches the active key, so a signer is demoted first: left active, it would
      // stop the key made next from becoming the one active key (and the server from starting).
      store.transaction(() => {
        if (record.state === 'active') store.keys.deactivate(record.kid, startedAt, startedAt)
        store.keys.retire(record.kid, startedAt)
      })
      deps.warn?.(`signing key ${record.kid} came from ${envVarOf(record.alg)}, which no longer holds it; its tokens are no longer accepted`)
      continue
    }
    const key = loadKey(record.alg, material, record.state === 'active')
    if (key.kid !== record.kid) {
      // Another key under a known name (replaced, truncated, tampered with): adopting it would
      // silently log everyone out or sign with a key nobody chose.
      throw new ConfigError(`key file ${join(configDir, record.privateFile ?? '')} does not hold key ${record.kid} (fingerprint ${record.fingerprint}) that the database names; it was left untouched`)
    }
    usable.set(key.kid, key)
    if (record.state === 'active') active = key
  }
  const wanted = config.algorithm
  const pinned = envMaterial(wanted)
  // Set while the first RSA pair of a config dir is generated (~0.1–2 s on libuv's pool): the
  // server listens meanwhile, and only what signs a token waits for it (pending()).
  let generating: Promise<void> | null = null
  if (!active || active.alg !== wanted || (pinned !== null && loadKey(wanted, pinned).kid !== active.kid)) {
    const given = givenKey(wanted, true)
    if (given !== null) activate(given.key, given.source, given.files)
    else if (!isRsa(wanted)) {
      const made = await generatedKey(wanted) // an HS256 secret: random bytes, no wait
      activate(made.key, made.source, made.files)
    } else {
      // Through the queue, so a rotation or switch asked for meanwhile runs after it.
      generating = serialized(async () => {
        const made = await generatedKey(wanted)
        activate(made.key, made.source, made.files)
      })
      // A failure stays pending()'s answer: whatever waits for the key gets the error (the CLI exits).
      generating.then(
        () => void (generating = null),
        (err: unknown) => deps.warn?.(`could not generate the ${wanted} signing key: ${String(err)}`),
      )
    }
  }
  refreshJwks()
  retireDue()

  return {
    /** Null when there is a signer; else settles once the first key of a new config dir exists. */
    pending: (): Promise<void> | null => generating,
    /**
     * Settles once the first key's generation is over, made or not: readers that show the signer
     * wait for this, as token issuing waits for pending(), and then signer() answers.
     */
    ready: async (): Promise<void> => {
      await generating?.catch(() => undefined)
    },
    /** The key that signs new tokens; KEYS_NOT_READY (a 503, never a 500) before the first one exists. */
    signer,
    /** The key for a token's `kid`, if it is active or verify-only. */
    verifierFor(kid: unknown): LoadedKey | undefined {
      return typeof kid === 'string' ? usable.get(kid) : undefined
    },
    list: (): KeyRecord[] => store.keys.all(),
    jwks: () => jwksCache,
    retireDue: (): string[] => retireDue(),
    /** The emergency path: no token of an older key verifies any more (after a leak, say). */
    retireAllInactive: (): string[] => retireDue(true),

    /** What the environment pins: the algorithm, and the key of each algorithm. */
    pins() {
      return {
        algorithm: config.sources.LANGFLOW_ALGORITHM === 'env' ? 'LANGFLOW_ALGORITHM' : null,
        keys: Object.fromEntries((['HS256', 'RS256', 'RS512'] as const).map((alg) => [alg, envMaterial(alg) === null ? null : envVarOf(alg)])),
      }
    },

    rotate: (by?: KeyChangeActor): Promise<KeyRecord> =>
      serialized(async () => {
        const current = signer()
        refuseIfPinned(current.alg, current)
        const { key, source, files } = await newKey(current.alg, false)
        const previousKid = activate(key, source, files)
        deps.onChange?.({ type: 'key_rotated', kid: key.kid, alg: key.alg, previousKid, by })
        return store.keys.all().find((r) => r.kid === key.kid) as KeyRecord
      }),

    switchAlgorithm: (alg: Algorithm, by?: KeyChangeActor): Promise<KeyRecord> =>
      serialized(async () => {
        const current = signer()
        if (alg !== current.alg) {
          refuseAlgorithmChangeIfPinned(alg, current)
          const { key, source, files } = await newKey(alg, true)
          const previousKid = activate(key, source, files, () => store.settings.set('LANGFLOW_ALGORITHM', alg, clock.now()))
          deps.onChange?.({ type: 'algorithm_switched', kid: key.kid, alg, previousKid, previousAlg: current.alg, by })
        }
        return store.keys.all().find((r) => r.kid === signer().kid) as KeyRecord
      }),

    /** Makes an admin's own key the signer (switching algorithm if it differs); nobody is logged out. */
    importKey: (alg: Algorithm, input: ImportedMaterial, by?: KeyChangeActor): Promise<KeyRecord> =>
      serialized(async () => {
        const current = signer()
        refuseIfPinned(alg, current)
        const material = importedMaterial(alg, input)
        const key = loadKey(alg, material)
        if (store.keys.all().some((r) => r.kid === key.kid)) throw new AuthError('INVALID_KEY', `This key is already in the ring (kid ${key.kid}); a key cannot be used twice`)
        const files = ringFiles(key.kid, material.kind)
        writeMaterial(configDir, files, material)
        const previousKid = activate(key, 'imported', files, alg === current.alg ? undefined : () => store.settings.set('LANGFLOW_ALGORITHM', alg, clock.now()))
        deps.onChange?.({ type: 'key_imported', kid: key.kid, alg, previousKid, by })
        return store.keys.all().find((r) => r.kid === key.kid) as KeyRecord
      }),
  }
}

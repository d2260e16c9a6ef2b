// Encrypted backups (`backup --encrypt`): the plain backup sealed with AES-256-GCM under a key
// that scrypt derives from a passphrase. The header (format, parameters, salt, IV) is the GCM
// additional data, so a changed parameter fails like a changed byte of the data: a wrong
// passphrase and a tampered file are told apart from nothing and restore nothing.

import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { ConfigError } from './errors.ts'

export const ENCRYPTED_BACKUP_FORMAT = 'authdock-backup-encrypted'
const VERSION = 1
/**
 * OWASP's scrypt parameters (N = 2^17, r = 8, p = 1): 128 MiB and about half a second per try,
 * for the one who restores as for whoever guesses. A file may ask for 2^15 to 2^18 (256 MiB), no
 * more, checked before any key is derived: with r = 8 each doubling of N doubles the memory, so a
 * larger N would be a way to make restore exhaust it (2^20 is 1 GiB).
 */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const
const MIN_N = 2 ** 15
const MAX_N = 2 ** 18
export const MIN_PASSPHRASE_CHARS = 12

interface Header {
  readonly format: typeof ENCRYPTED_BACKUP_FORMAT
  readonly version: number
  readonly kdf: { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string }
  readonly cipher: { readonly name: 'aes-256-gcm'; readonly iv: string }
}

const maxmemFor = (N: number, r: number): number => 128 * N * r + 16 * 1024 * 1024

function deriveKey(passphrase: string, salt: Buffer, { N, r, p }: { N: number; r: number; p: number }): Buffer {
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N, r, p, maxmem: maxmemFor(N, r) })
}

/** The additional data: the header exactly as written, so every parameter is authenticated. */
const aadOf = (header: Header): Buffer => Buffer.from(JSON.stringify(header))

export function checkPassphrase(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) {
    throw new ConfigError(`the backup passphrase must be at least ${MIN_PASSPHRASE_CHARS} characters long (a few unrelated words make a good one)`)
  }
}

/** The encrypted file's text: the header, the tag and the ciphertext, as JSON. */
export function encryptBackup(plain: Buffer, passphrase: string): string {
  checkPassphrase(passphrase)
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const header: Header = {
    format: ENCRYPTED_BACKUP_FORMAT,
    version: VERSION,
    kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64') },
  }
  const cipher = createCipheriv('aes-256-gcm', deriveKey(passphrase, salt, SCRYPT), iv)
  cipher.setAAD(aadOf(header))
  const data = Buffer.concat([cipher.update(plain), cipher.final()])
  return JSON.stringify({ ...header, tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') })
}

export const isEncryptedBackup = (parsed: unknown): boolean =>
  typeof parsed === 'object' && parsed !== null && (parsed as Record<string, unknown>).format === ENCRYPTED_BACKUP_FORMAT

/** Strict base64: Buffer.from would skip a changed character rather than fail on it. */
function base64(value: unknown, what: string, bad: (why: string) => ConfigError): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw bad(`its ${what} is not base64`)
  return Buffer.from(value, 'base64')
}

/** The plain backup inside `parsed`; a wrong passphrase or any change to the file is refused. */
export function decryptBackup(parsed: Record<string, unknown>, passphrase: string, source: string): Buffer {
  const bad = (why: string) => new ConfigError(`${source} is not a usable encrypted authdock backup: ${why}`)
  if (parsed.version !== VERSION) throw bad(`version ${String(parsed.version)}, this authdock reads version ${VERSION}`)
  const kdf = (typeof parsed.kdf === 'object' && parsed.kdf !== null ? parsed.kdf : {}) as Record<string, unknown>
  const cipher = (typeof parsed.cipher === 'object' && parsed.cipher !== null ? parsed.cipher : {}) as Record<string, unknown>
  if (kdf.name !== 'scrypt' || cipher.name !== 'aes-256-gcm') throw bad('unknown key derivation or cipher')
  const { N, r, p } = kdf
  if (typeof N !== 'number' || !Number.isInteger(Math.log2(N)) || N < MIN_N || N > MAX_N) throw bad(`scrypt N must be a power of two from 2^${Math.log2(MIN_N)} to 2^${Math.log2(MAX_N)}`)
  if (r !== 8 || p !== 1) throw bad('scrypt r and p must be 8 and 1')
  const salt = base64(kdf.salt, 'salt', bad)
  const iv = base64(cipher.iv, 'IV', bad)
  const tag = base64(parsed.tag, 'tag', bad)
  const data = base64(parsed.data, 'data', bad)
  if (salt.length < 16 || iv.length !== 12 || tag.length !== 16) throw bad('its salt, IV or tag has the wrong length')
  const header: Header = {
    format: ENCRYPTED_BACKUP_FORMAT,
    version: VERSION,
    kdf: { name: 'scrypt', N, r, p, salt: kdf.salt as string },
    cipher: { name: 'aes-256-gcm', iv: cipher.iv as string },
  }
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(passphrase, salt, { N, r, p }), iv)
  decipher.setAAD(aadOf(header))
  decipher.setAuthTag(tag)
  try {
    return Buffer.concat([decipher.update(data), decipher.final()])
  } catch (err) {
    // GCM cannot tell which: both mean that nothing in the file can be trusted.
    throw new ConfigError(`${source} cannot be decrypted: the passphrase is wrong, or the file was changed since the backup; nothing was restored`, { cause: err })
  }
}

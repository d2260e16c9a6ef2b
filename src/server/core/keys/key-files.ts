// Reads and writes key material in the config dir. Langflow's names (secret_key, private_key.pem,
// public_key.pem) hold the first key of each family; later keys live in keys/<kid>.*.
// A file that exists but cannot be read or parsed is an error naming it: never overwritten.

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../errors.ts'
import { writeFileAtomic } from '../files.ts'
import { KeyMaterialError, parseRsa } from './key-material.ts'
import type { Material } from './key-material.ts'

export const LANGFLOW_FILES = {
  secret: { privateFile: 'secret_key', publicFile: null },
  rsa: { privateFile: 'private_key.pem', publicFile: 'public_key.pem' },
} as const

export interface KeyFiles {
  readonly privateFile: string
  readonly publicFile: string | null
}

export const ringFiles = (kid: string, kind: Material['kind']): KeyFiles =>
  kind === 'secret'
    ? { privateFile: `keys/${kid}.secret`, publicFile: null }
    : { privateFile: `keys/${kid}.private.pem`, publicFile: `keys/${kid}.public.pem` }

export const isLangflowFile = (file: string): boolean => !file.startsWith('keys/')

export function langflowFilesExist(configDir: string, kind: Material['kind']): boolean {
  return existsSync(join(configDir, LANGFLOW_FILES[kind].privateFile))
}

function readText(configDir: string, file: string): string {
  const path = join(configDir, file)
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`key file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it was left untouched`, { cause: err })
  }
}

export function readMaterial(configDir: string, kind: Material['kind'], files: KeyFiles): Material {
  const privatePath = join(configDir, files.privateFile)
  if (kind === 'secret') {
    const secret = readText(configDir, files.privateFile).trim()
    if (secret.length < 32) {
      throw new ConfigError(`key file ${privatePath} holds ${secret.length === 0 ? 'nothing' : 'a secret shorter than 32 characters'}; it was left untouched`)
    }
    return { kind, secret }
  }
  const privatePem = readText(configDir, files.privateFile)
  const publicPem = files.publicFile !== null && existsSync(join(configDir, files.publicFile)) ? readText(configDir, files.publicFile) : null
  try {
    return parseRsa(privatePem, publicPem).material
  } catch (err) {
    if (err instanceof KeyMaterialError) throw new ConfigError(`key file ${privatePath} ${err.message}; it was left untouched`, { cause: err })
    throw err
  }
}

/**
 * Writes each file atomically: private material 0600, public keys 0644. A failure (a full or
 * read-only disk) is a ConfigError naming the file, and leaves no half pair behind.
 */
export function writeMaterial(configDir: string, files: KeyFiles, material: Material): void {
  const written: string[] = []
  const write = (file: string, data: string, mode: number) => {
    const path = join(configDir, file)
    try {
      if (!isLangflowFile(file)) mkdirSync(join(configDir, 'keys'), { recursive: true, mode: 0o700 })
      writeFileAtomic(path, data, mode)
      written.push(path)
    } catch (err) {
      // Only files this call created: a key file is written only where none existed.
      for (const done of written) rmSync(done, { force: true })
      throw new ConfigError(`cannot write key file ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); no key was changed`, { cause: err })
    }
  }
  if (material.kind === 'secret') return write(files.privateFile, material.secret, 0o600)
  write(files.privateFile, material.privatePem, 0o600)
  if (files.publicFile !== null) write(files.publicFile, material.publicPem, 0o644)
}

/** Removes a retired key's own files; Langflow's files are left (Langflow may use secret_key too). */
export function removeMaterial(configDir: string, files: KeyFiles): void {
  for (const file of [files.privateFile, files.publicFile]) {
    if (file !== null && !isLangflowFile(file)) rmSync(join(configDir, file), { force: true })
  }
}

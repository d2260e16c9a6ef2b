// Reading the deployment files for the deploy tests: the Dockerfile's instructions, the YAML
// documents (any parse error or warning fails), and the environment variables the server reads.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { SETTING_NAMES } from '../../src/server/core/config.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const DEPLOY = join(ROOT, 'deploy')

export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

/** Every file under deploy/, as paths relative to the repository root; a local .env is not ours. */
export function deployFiles(dir = DEPLOY): string[] {
  return readdirSync(dir)
    .sort()
    .filter((name) => name !== '.env')
    .flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? deployFiles(path) : [relative(ROOT, path)]
    })
}

/** The documents of a YAML file as plain values; throws on any error or warning, naming the file. */
export function parseYaml(path: string, text = read(path)): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, strict: true, uniqueKeys: true })
  const problems = (Array.isArray(docs) ? docs : [docs]).flatMap((d) => [...d.errors, ...d.warnings])
  if (problems.length > 0) throw new Error(`${path}:\n${problems.map((p) => p.message).join('\n')}`)
  return (Array.isArray(docs) ? docs : [docs]).map((d) => d.toJS())
}

/**
 * Names the server reads from the environment: the settings of core/config.ts, plus the two it
 * reads beside them (checked against the source, so a rename here cannot go unnoticed).
 */
export function serverEnvNames(): Set<string> {
  const readElsewhere = {
    LANGFLOW_SUPERUSER_PASSWORD: 'src/server/core/config.ts',
    LANGFLOW_CONFIG_DIR: 'src/server/core/config-dir.ts',
  }
  for (const [name, file] of Object.entries(readElsewhere)) {
    if (!read(file).includes(`env.${name}`)) throw new Error(`${file} no longer reads env.${name}`)
  }
  return new Set<string>([...SETTING_NAMES, ...Object.keys(readElsewhere)])
}

/** LANGFLOW_* and AUTHDOCK_* names anywhere in a text, comments included. */
export const envNamesIn = (text: string): string[] => [...new Set(text.match(/\b(?:LANGFLOW|AUTHDOCK)_[A-Z0-9_]*[A-Z0-9]\b/g) ?? [])]

export interface Instruction {
  readonly keyword: string
  readonly args: string
}

/** The Dockerfile's instructions in order, continuation lines joined and comments dropped. */
export function dockerfile(path = 'deploy/Dockerfile'): Instruction[] {
  const joined = read(path)
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/)
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') }
    })
}

/** The argv of an exec-form CMD (`["a", "b"]`); the shell form is refused: signals would stop at sh -c. */
export function execForm(args: string): string[] {
  const argv: unknown = JSON.parse(args)
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new Error(`not an exec-form argv: ${args}`)
  return argv
}

/** The final stage's ENV, as KEY=value pairs (the only form used here). */
export function finalEnv(instructions: readonly Instruction[]): Record<string, string> {
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM')
  const env: Record<string, string> = {}
  for (const { keyword, args } of instructions.slice(lastFrom)) {
    if (keyword !== 'ENV') continue
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=')
      if (eq <= 0) throw new Error(`ENV ${args}: only KEY=value pairs are understood here`)
      env[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
  }
  return env
}

/** The last instruction with this keyword in the final stage. */
export function last(instructions: readonly Instruction[], keyword: string): Instruction | undefined {
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM')
  return instructions.slice(lastFrom).findLast((i) => i.keyword === keyword)
}

/** Whether a path (relative to the build context) is excluded by .dockerignore's patterns. */
export function dockerIgnores(patterns: readonly string[], path: string): boolean {
  let ignored = false
  for (const raw of patterns) {
    const negated = raw.startsWith('!')
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '')
    const source = pattern
      .split('/')
      .map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
      .join('/')
      .replace(/\.\*\//g, '(?:.*/)?')
    // A matching directory excludes everything inside it.
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) ignored = !negated
  }
  return ignored
}

export const dockerignorePatterns = (): string[] =>
  existsSync(join(ROOT, '.dockerignore'))
    ? read('.dockerignore')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'))
    : []

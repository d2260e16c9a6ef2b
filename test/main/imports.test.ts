// Import boundaries of the desktop shell, read from the sources with TypeScript's parser: main and
// preload never reach into the renderer, and only the thin Electron adapters load 'electron' at
// run time (every other module must load in plain Node, which is how test/main tests it).

import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { test } from 'node:test'
import ts from 'typescript'

const ROOT = resolve(import.meta.dirname, '..', '..')
const RENDERER = join(ROOT, 'src', 'renderer')
// The files that wire real Electron objects into the plain modules; all others take them as arguments.
const ELECTRON_ADAPTERS = ['src/main/index.ts', 'src/main/window.ts', 'src/preload/index.ts']

interface Import {
  readonly specifier: string
  readonly typeOnly: boolean
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(name) ? [path] : []
  })
}

/** Static imports and re-exports (with whether they are type-only), dynamic import() and require(). */
function importsOf(file: string, text: string): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: Import[] = []
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = ts.isImportDeclaration(node)
        ? (node.importClause?.isTypeOnly ?? false)
        : node.isTypeOnly
      found.push({ specifier: node.moduleSpecifier.text, typeOnly })
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword
      const required = ts.isIdentifier(node.expression) && node.expression.text === 'require'
      if ((dynamic || required) && arg && ts.isStringLiteralLike(arg)) found.push({ specifier: arg.text, typeOnly: false })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const shellFiles = [...sources(join(ROOT, 'src', 'main')), ...sources(join(ROOT, 'src', 'preload'))]
const name = (file: string) => relative(ROOT, file).split(sep).join('/')

test('the parser finds every kind of import it is asked to police', () => {
  const text = [
    "import a from '../renderer/a.ts'",
    "import type { B } from 'electron'",
    "export { c } from './c.ts'",
    "export type { D } from './d.ts'",
    "const e = await import('../renderer/e.ts')",
    "const f = require('electron')",
  ].join('\n')
  assert.deepEqual(importsOf('x.ts', text), [
    { specifier: '../renderer/a.ts', typeOnly: false },
    { specifier: 'electron', typeOnly: true },
    { specifier: './c.ts', typeOnly: false },
    { specifier: './d.ts', typeOnly: true },
    { specifier: '../renderer/e.ts', typeOnly: false },
    { specifier: 'electron', typeOnly: false },
  ])
})

test('src/main and src/preload never import from src/renderer', () => {
  assert.ok(shellFiles.length >= 5, 'found the shell sources')
  const offending = shellFiles.flatMap((file) =>
    importsOf(file, readFileSync(file, 'utf8'))
      .filter(({ specifier }) => specifier.startsWith('.'))
      .map(({ specifier }) => resolve(dirname(file), specifier))
      .filter((target) => target === RENDERER || target.startsWith(RENDERER + sep))
      .map((target) => `${name(file)} -> ${relative(ROOT, target)}`),
  )
  assert.deepEqual(offending, [])
})

test("only the Electron adapters load 'electron' at run time", () => {
  const loaders = shellFiles
    .filter((file) => importsOf(file, readFileSync(file, 'utf8')).some((i) => i.specifier === 'electron' && !i.typeOnly))
    .map(name)
    .sort()
  assert.deepEqual(loaders, [...ELECTRON_ADAPTERS].sort())
})

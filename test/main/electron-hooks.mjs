// Module hooks for test/main/main-process.test.ts: `electron` resolves to the fake beside this file,
// since Electron's runtime cannot run in these tests.

const FAKE = new URL('./fake-electron.ts', import.meta.url).href

export async function resolve(specifier, context, next) {
  // Through the next hook (tsx's), which marks the .ts file for its own loader.
  if (specifier === 'electron') return next(FAKE, context)
  return next(specifier, context)
}

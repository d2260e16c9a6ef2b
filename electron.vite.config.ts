// Build config for the three Electron bundles: main (with the bcrypt worker), preload, renderer.

import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

const src = (path: string): string => resolve(import.meta.dirname, 'src', path)

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: src('main/index.ts'),
          // The password hasher starts `new URL('./bcrypt-worker.js', import.meta.url)`, which in
          // out/main/index.js means out/main/bcrypt-worker.js: emit the worker there, unhashed.
          // Its `bcryptjs` import stays external like every package.json dependency.
          'bcrypt-worker': src('server/core/users/bcrypt-worker.js'),
        },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: src('preload/index.ts') },
        // CommonJS, not ESM: the window is sandboxed, and Electron runs a sandboxed preload as a
        // plain script where `import` is a syntax error (ESM preloads need sandbox: false).
        // `.cjs` because package.json says "type": "module".
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: src('renderer'),
    plugins: [react()],
    build: {
      // electron-vite leaves the renderer unminified by default (about 2.5x larger).
      minify: true,
      rollupOptions: { input: src('renderer/index.html') },
    },
  },
})

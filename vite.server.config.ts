// Build config for the headless server: src/server/cli.ts as plain JavaScript in out/server/, so
// that `npm run serve` starts without tsx compiling TypeScript on every start.
// Packages stay external (node_modules is there at run time); only our own code is bundled.

import { builtinModules } from 'node:module'
import { resolve } from 'node:path'
import { defineConfig } from 'vite'

const src = (path: string): string => resolve(import.meta.dirname, 'src', path)

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'out/server',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: {
        cli: src('server/cli.ts'),
        // The password hasher starts `new URL('./bcrypt-worker.js', import.meta.url)`: beside cli.js.
        'bcrypt-worker': src('server/core/users/bcrypt-worker.js'),
      },
      external: [/^node:/, ...builtinModules],
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
})

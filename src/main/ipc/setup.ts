// IPC for first-run setup: hands the console the setup code, which only the local machine may see.

import type { AuthServer } from '../../server/index.ts'
import { handle } from './handle.ts'

export function registerSetupIpc(server: Pick<AuthServer, 'setupCode'>, origin: string): () => void {
  return handle('setup:code', origin, async () => server.setupCode())
}

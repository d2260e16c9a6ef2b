// Shared by the reference servers: the one user and session they know (from the bench's env, so
// the bench can mint tokens for them), the JSON they answer with, and how they listen and stop.

export const secret = process.env.BENCH_SECRET ?? ''
export const issuer = process.env.BENCH_ISSUER ?? 'authdock'
export const kid = process.env.BENCH_KID ?? 'bench'
export const userId = process.env.BENCH_USER_ID ?? '00000000-0000-4000-8000-000000000001'
export const sessionId = process.env.BENCH_SESSION_ID ?? '00000000-0000-4000-8000-000000000002'
export const username = process.env.BENCH_USERNAME ?? 'admin'

/** A user record of the size and shape of Langflow's UserRead (what authdock's whoami answers). */
export function userRead(id = userId, name = username) {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString()
  return {
    id, username: name, profile_image: null, store_api_key: null, is_active: true, is_superuser: true,
    create_at: at, updated_at: at, last_login_at: at, optins: {},
  }
}

export function listen(server) {
  const port = Number(process.env.PORT ?? 0)
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`)
  })
  const stop = () => {
    server.close(() => process.exit(0))
    server.closeAllConnections?.()
    setTimeout(() => process.exit(0), 1000).unref()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

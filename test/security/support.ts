// Plumbing for the security suites (their server is startServer of test/helpers.ts):
// requests that can never hang (each has a client timeout; a stream that opens is closed at once),
// and the server's own signing key read back from its config dir to forge tokens with.

import { createHmac, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseBody } from '../helpers.ts'

export const CLIENT_TIMEOUT_MS = 10_000

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

/**
 * One request with a client timeout, so a hang fails the test instead of stalling it. An event
 * stream that opens (a refusal would have been a JSON error) is cancelled once its headers arrive.
 */
export async function send(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const res = await fetch(url + path, {
    method, headers: options.headers, body: options.body, redirect: 'manual', signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  })
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await res.body?.cancel()
    return { status: res.status, headers: res.headers, text: '', body: null }
  }
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, body: parseBody(text) }
}

export const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})

export const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

export type Alg = 'HS256' | 'RS256' | 'RS512'

/** The first key of the server (Langflow's file names), which signs until a rotation. */
export function serverKey(configDir: string, alg: Alg): string {
  return readFileSync(join(configDir, alg === 'HS256' ? 'secret_key' : 'private_key.pem'), 'utf8')
}

/** Signs raw header and payload JSON text (duplicates and all) with a key of the server's kind. */
export function signRaw(alg: Alg, key: string, headerJson: string, payloadJson: string): string {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`
  const signature = alg === 'HS256'
    ? createHmac('sha256', key).update(input).digest()
    : sign(alg === 'RS256' ? 'sha256' : 'sha512', Buffer.from(input), key)
  return `${input}.${signature.toString('base64url')}`
}

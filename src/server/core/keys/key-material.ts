// Key material: generating, parsing and describing HS256 secrets and RSA pairs.

import { createHash, createHmac, createPrivateKey, createPublicKey, createSecretKey, generateKeyPair, randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import type { Algorithm } from '../config.ts'

const generateKeyPairAsync = promisify(generateKeyPair)

export const isRsa = (alg: Algorithm): boolean => alg !== 'HS256'

/** A key ready for use: what signs (null for a key that may only verify) and what verifies. */
export interface LoadedKey {
  readonly kid: string
  readonly alg: Algorithm
  readonly signingKey: KeyObject | null
  readonly verifyKey: KeyObject
  readonly fingerprint: string
}

/** Serialized material as it is written to files. */
export type Material =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'rsa'; readonly privatePem: string; readonly publicPem: string }

/** 32 random bytes, base64url: the shape of Python's secrets.token_urlsafe(32), 43 characters. */
export const generateSecret = (): Material => ({ kind: 'secret', secret: randomBytes(32).toString('base64url') })

/** RSA-2048 on libuv's thread pool, so the event loop keeps serving while it runs. */
export async function generateRsa(): Promise<Material> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  return { kind: 'rsa', privatePem: privateKey, publicPem: publicKey }
}

export class KeyMaterialError extends Error {}

/** Parses a PEM private key (PKCS#8 or PKCS#1) and its public half; checks they belong together. */
export function parseRsa(privatePem: string, publicPem: string | null): { privateKey: KeyObject; publicKey: KeyObject; material: Material } {
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: privatePem, format: 'pem' })
  } catch (err) {
    throw new KeyMaterialError(`is not a valid PEM private key (${(err as Error).message})`)
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new KeyMaterialError(`is a ${privateKey.asymmetricKeyType ?? 'non-RSA'} key; RS256 and RS512 need an RSA key`)
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < 2048) throw new KeyMaterialError(`is a ${bits}-bit RSA key; at least 2048 bits are required (RFC 7518 §3.3)`)
  const derived = createPublicKey(privateKey)
  let publicKey = derived
  if (publicPem !== null) {
    try {
      publicKey = createPublicKey({ key: publicPem, format: 'pem' })
    } catch (err) {
      throw new KeyMaterialError(`public key is not a valid PEM public key (${(err as Error).message})`)
    }
    if (!spki(publicKey).equals(spki(derived))) throw new KeyMaterialError('public key does not match the private key')
  }
  return {
    privateKey,
    publicKey,
    material: {
      kind: 'rsa',
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      publicPem: derived.export({ type: 'spki', format: 'pem' }) as string,
    },
  }
}

const spki = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' })

/**
 * SHA-256 over the public key's SPKI DER for RSA. For a secret, an HMAC keyed by the secret, so
 * the fingerprint identifies it without being a plain hash of it.
 */
function fingerprintOf(material: Material): string {
  const digest =
    material.kind === 'rsa'
      ? createHash('sha256').update(spki(createPublicKey(material.publicPem))).digest('hex')
      : createHmac('sha256', material.secret).update('authdock key fingerprint').digest('hex')
  return `SHA256:${digest.match(/../g)?.join(':') ?? digest}`
}

/** The same material under the same algorithm always gets the same kid, across restarts too. */
const kidOf = (alg: Algorithm, fingerprint: string): string =>
  createHash('sha256').update(`${alg}|${fingerprint}`).digest('base64url').slice(0, 16)

export function loadKey(alg: Algorithm, material: Material, canSign = true): LoadedKey {
  const fingerprint = fingerprintOf(material)
  const kid = kidOf(alg, fingerprint)
  if (material.kind === 'secret') {
    const key = createSecretKey(Buffer.from(material.secret, 'utf8'))
    return { kid, alg, signingKey: canSign ? key : null, verifyKey: key, fingerprint }
  }
  const { privateKey, publicKey } = parseRsa(material.privatePem, material.publicPem)
  return { kid, alg, signingKey: canSign ? privateKey : null, verifyKey: publicKey, fingerprint }
}

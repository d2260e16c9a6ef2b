// KeyStore over SQLite: the key ring's metadata. Key material lives in files (see keys/key-files.ts).

import type { Algorithm } from '../../config.ts'
import type { Db } from './database.ts'
import type { KeyRecord, KeySource, KeyState, KeyStore } from '../types.ts'

interface KeyRow {
  kid: string
  alg: string
  state: string
  source: string
  fingerprint: string
  private_file: string | null
  public_file: string | null
  created_at: number
  activated_at: number | null
  deactivated_at: number | null
  retire_after: number | null
  retired_at: number | null
}

const toRecord = (r: KeyRow): KeyRecord => ({
  kid: r.kid,
  alg: r.alg as Algorithm,
  state: r.state as KeyState,
  source: r.source as KeySource,
  fingerprint: r.fingerprint,
  privateFile: r.private_file,
  publicFile: r.public_file,
  createdAt: r.created_at,
  activatedAt: r.activated_at,
  deactivatedAt: r.deactivated_at,
  retireAfter: r.retire_after,
  retiredAt: r.retired_at,
})

export function createKeyStore(db: Db): KeyStore {
  const all = db.prepare('SELECT * FROM signing_keys ORDER BY created_at, kid')
  const insert = db.prepare(`INSERT INTO signing_keys (kid, alg, state, source, fingerprint, private_file, public_file,
    created_at, activated_at, deactivated_at, retire_after, retired_at)
    VALUES (@kid, @alg, @state, @source, @fingerprint, @privateFile, @publicFile, @createdAt, @activatedAt,
    @deactivatedAt, @retireAfter, @retiredAt)`)
  const deactivate = db.prepare(`UPDATE signing_keys SET state = 'verify-only', deactivated_at = @now, retire_after = @retireAfter
    WHERE kid = @kid AND state = 'active'`)
  const activate = db.prepare(`UPDATE signing_keys SET state = 'active', activated_at = @now, deactivated_at = NULL,
    retire_after = NULL, retired_at = NULL WHERE kid = @kid`)
  const retire = db.prepare(`UPDATE signing_keys SET state = 'retired', retired_at = @now WHERE kid = @kid AND state != 'active'`)
  return {
    all: () => (all.all() as KeyRow[]).map(toRecord),
    insert: (r) => void insert.run(r),
    deactivate: (kid, now, retireAfter) => void deactivate.run({ kid, now, retireAfter }),
    activate: (kid, now) => void activate.run({ kid, now }),
    retire: (kid, now) => void retire.run({ kid, now }),
  }
}

// Numbered schema migrations, applied in order at start-up, each in its own transaction.
// Append only: never edit a migration that has shipped.

export interface Migration {
  readonly version: number
  readonly sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        -- NFKC + lower case: two accounts can never look alike
        username_key TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        profile_image TEXT,
        store_api_key TEXT,
        is_active INTEGER NOT NULL DEFAULT 0,
        is_superuser INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_login_at INTEGER,
        optins TEXT NOT NULL DEFAULT '{}'
      );

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        ip TEXT,
        user_agent TEXT,
        generation INTEGER NOT NULL DEFAULT 0,
        revoked_at INTEGER,
        revoke_reason TEXT
      );
      CREATE INDEX sessions_user ON sessions(user_id);
      CREATE INDEX sessions_live ON sessions(expires_at) WHERE revoked_at IS NULL;

      -- One row per refresh token of a session (its family); the token itself is never stored.
      CREATE TABLE refresh_tokens (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        generation INTEGER NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        issued_ip TEXT,
        issued_user_agent TEXT,
        used_at INTEGER,
        reuse_detected_at INTEGER,
        UNIQUE (session_id, generation)
      );

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('active', 'verify-only', 'retired')),
        source TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        private_file TEXT,
        public_file TEXT,
        created_at INTEGER NOT NULL,
        activated_at INTEGER,
        deactivated_at INTEGER,
        retire_after INTEGER,
        retired_at INTEGER
      );
      CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(state) WHERE state = 'active';

      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT,
        key_hash TEXT NOT NULL UNIQUE,
        key_prefix TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        total_uses INTEGER NOT NULL DEFAULT 0,
        is_active INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX api_keys_user ON api_keys(user_id);

      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        user_id TEXT,
        username TEXT,
        session_id TEXT,
        ip TEXT,
        user_agent TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_events_at ON audit_events(at);

      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- The kid and expiry of the last access token each session was given: the key ring's
      -- "sessions that still depend on this key" count, and which revoked sessions may still
      -- have unexpired tokens out there (the revocation stream's snapshot).
      ALTER TABLE sessions ADD COLUMN access_kid TEXT;
      ALTER TABLE sessions ADD COLUMN access_expires_at INTEGER;
      -- Revoked sessions whose access tokens may still be unexpired, kept apart from sessions so
      -- that deleting a user (which cascades to the sessions) does not drop them from the
      -- revocation stream's snapshot. Rows go once their last token has expired.
      CREATE TABLE revocations (
        session_id TEXT PRIMARY KEY,
        revoked_at INTEGER NOT NULL,
        access_expires_at INTEGER NOT NULL
      );
      CREATE INDEX revocations_expiry ON revocations(access_expires_at);
      CREATE INDEX sessions_created ON sessions(created_at);
      CREATE INDEX audit_events_type ON audit_events(type, at);
      CREATE INDEX audit_events_user ON audit_events(user_id, at);
    `,
  },
  {
    version: 3,
    sql: `
      -- Who rotated a refresh token (a hash of address and user agent): a replay inside the grace
      -- window is answered only for that client. Tokens rotated before this migration have none,
      -- and a replay of them is treated as reuse.
      ALTER TABLE refresh_tokens ADD COLUMN used_fingerprint TEXT;
      -- Each grace-window answer, for the session's chain (the audit log has them too, until its
      -- retention drops them).
      CREATE TABLE refresh_grace_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token_id TEXT NOT NULL REFERENCES refresh_tokens(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        ip TEXT,
        user_agent TEXT
      );
      CREATE INDEX refresh_grace_answers_token ON refresh_grace_answers(token_id);
    `,
  },
  {
    version: 4,
    sql: `
      -- An API key may expire (epoch ms); NULL keeps Langflow's keys that never do.
      ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
      CREATE INDEX api_keys_created ON api_keys(created_at);
    `,
  },
  {
    version: 5,
    sql: `
      -- The SHA-256 of the per-browser secret a console session was created with: its
      -- refresh token is honoured only together with that secret. NULL for every other session.
      ALTER TABLE sessions ADD COLUMN binding_hash TEXT;
    `,
  },
  {
    version: 6,
    sql: `
      -- OAuth clients ("local apps") that sign users in through the OpenID Connect endpoints. The
      -- secret is stored as its SHA-256 (32 random bytes: a fast hash is enough); NULL for a
      -- public client. The URI lists and grant types are JSON arrays; scope is space-separated.
      CREATE TABLE oauth_clients (
        client_id TEXT PRIMARY KEY,
        client_name TEXT NOT NULL,
        secret_hash TEXT,
        redirect_uris TEXT NOT NULL DEFAULT '[]',
        post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]',
        grant_types TEXT NOT NULL DEFAULT '[]',
        token_endpoint_auth_method TEXT NOT NULL,
        scope TEXT NOT NULL,
        backchannel_logout_uri TEXT,
        backchannel_logout_session_required INTEGER NOT NULL DEFAULT 0,
        -- An admin's per-client allowance for a back-channel URI on a private network.
        allow_private_backchannel INTEGER NOT NULL DEFAULT 0,
        first_party INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        secret_rotated_at INTEGER
      );
      CREATE INDEX oauth_clients_created ON oauth_clients(created_at);
      -- The client a session was issued to; NULL for Langflow's password API and the console. No
      -- foreign key: deleting a client revokes its sessions, and their rows stay for the audit trail.
      ALTER TABLE sessions ADD COLUMN client_id TEXT;
      CREATE INDEX sessions_client ON sessions(client_id) WHERE client_id IS NOT NULL;
    `,
  },
  {
    version: 8,
    sql: `
      -- A user's OpenID Connect profile. email keeps the local part as given and the domain in
      -- lower case; email_key (its whole lower case) makes it unique case-insensitively when set.
      -- email_verified is 1 when an admin set the address: only admins set it, and they vouch for it.
      ALTER TABLE users ADD COLUMN email TEXT;
      ALTER TABLE users ADD COLUMN email_key TEXT;
      ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE users ADD COLUMN full_name TEXT;
      CREATE UNIQUE INDEX users_email_key ON users(email_key) WHERE email_key IS NOT NULL;
      -- Groups an admin assigned (the groups claim); 'admin' is never stored: is_superuser implies it.
      CREATE TABLE user_groups (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        group_name TEXT NOT NULL CHECK (length(group_name) BETWEEN 1 AND 64 AND group_name <> 'admin'),
        PRIMARY KEY (user_id, group_name)
      ) WITHOUT ROWID;
      CREATE INDEX user_groups_name ON user_groups(group_name);
    `,
  },
  {
    version: 9,
    sql: `
      -- Authorization codes of the OpenID Connect code flow: only the code's SHA-256 is kept. Each
      -- is bound to its client, redirect URI, PKCE challenge and nonce, lives 60 s and is used
      -- once; session_id is what its exchange issued, revoked if the code is presented again.
      CREATE TABLE authorization_codes (
        code_hash TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        nonce TEXT,
        user_id TEXT NOT NULL,
        scope TEXT NOT NULL,
        auth_time INTEGER NOT NULL,
        amr TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        session_id TEXT
      );
      CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);
    `,
  },
]

// Users: a searchable, paged table; create with the password rules shown as you type; activate,
// deactivate, make or unmake superuser, reset a password, unlock, delete, see and revoke their API
// keys, set the email, full name and groups apps signing in with authdock see. Every action says
// what it revoked.

import { useState } from 'react'
import type { AdminUser, UserChange, UserRead } from '../../shared/api-types.ts'
import { api } from '../api.ts'
import { PasswordRules, assertPasswordOk } from '../components/PasswordRules.tsx'
import type { ProfileDraft } from '../components/ProfileFields.tsx'
import { ProfileFields, emptyProfile, profileDraftOf, profileInputOf } from '../components/ProfileFields.tsx'
import { UserKeys } from '../components/UserKeys.tsx'
import { Confirm, LoadState, PageHeader, Pager, Time, errorText, exactTime, useNotice } from '../components/ui.tsx'
import { useLiveVersion } from '../live.ts'
import { useLoad, useSettledText } from '../use-load.ts'

const PAGE = 50
const USER_EVENTS = ['user_created', 'user_updated', 'user_deleted', 'user_groups_changed', 'account_locked', 'account_unlocked', 'login_succeeded'] as const

const revokedText = (n: number) => (n === 0 ? 'no session was revoked' : n === 1 ? '1 session revoked' : `${n} sessions revoked`)
const revokedKeysText = (n: number) => (n === 1 ? '1 API key revoked' : `${n} API keys revoked`)

type Dialog = { kind: 'delete'; user: AdminUser } | { kind: 'password'; user: AdminUser } | { kind: 'profile'; user: AdminUser } | { kind: 'keys'; user: AdminUser } | { kind: 'create' } | null

export function Users(props: { me: UserRead }) {
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(0)
  const { notice, ok, fail } = useNotice()
  const [dialog, setDialog] = useState<Dialog>(null)
  const version = useLiveVersion(USER_EVENTS)

  // Searching waits for a pause in typing, and starts again from the first page.
  const query = useSettledText(search, () => setPage(0))

  const users = useLoad((signal) => api.users({ search: query, skip: page * PAGE, limit: PAGE }, signal), [query, page, version])

  const act = async (label: string, action: () => Promise<UserChange>) => {
    try {
      const result = await action()
      ok(`${label} ${result.user.username}: ${revokedText(result.revoked_sessions.length)}.`)
      users.reload()
    } catch (err) {
      fail(`${label}: ${errorText(err)}`)
    }
  }

  const total = users.data?.total_count ?? 0
  const pages = Math.max(1, Math.ceil(total / PAGE))
  return (
    <>
      <PageHeader title="Users">
        <input type="search" placeholder="Search users" aria-label="Search users" value={search} onChange={(e) => setSearch(e.target.value)} />
        <button className="primary" onClick={() => setDialog({ kind: 'create' })}>
          New user
        </button>
      </PageHeader>
      {notice}
      <LoadState loading={users.loading} error={users.error} retry={users.reload} hasData={users.data !== null} empty={users.data?.users.length === 0} emptyText={query ? `No user matches “${query}”.` : 'No users.'} />
      {users.data !== null && users.data.users.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Username</th>
              <th>Email</th>
              <th>Groups</th>
              <th>Status</th>
              <th>Role</th>
              <th>Last login</th>
              <th>Created</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {users.data.users.map((u) => (
              <tr key={u.id} data-username={u.username}>
                <td>
                  {u.username}
                  {u.id === props.me.id && <span className="badge">you</span>}
                  {u.name && <div className="muted">{u.name}</div>}
                </td>
                <td className="user-email">{u.email ?? <span className="muted">—</span>}</td>
                <td className="user-groups">
                  {u.is_superuser && <span className="badge" title="Implied by superuser">admin</span>}
                  {u.groups.map((g) => (
                    <span key={g} className="badge">
                      {g}
                    </span>
                  ))}
                </td>
                <td>
                  <span className={`badge ${u.is_active ? 'ok' : 'off'}`}>{u.is_active ? 'active' : 'inactive'}</span>
                  {u.locked_until && <span className="badge warn" title={`Locked until ${exactTime(Date.parse(u.locked_until))}`}>locked</span>}
                </td>
                <td>{u.is_superuser ? 'superuser' : 'user'}</td>
                <td>
                  <Time iso={u.last_login_at} />
                </td>
                <td>
                  <Time iso={u.create_at} />
                </td>
                <td className="row-actions">
                  <button onClick={() => void act(u.is_active ? 'Deactivated' : 'Activated', () => api.updateUser(u.id, { is_active: !u.is_active }))}>
                    {u.is_active ? 'Deactivate' : 'Activate'}
                  </button>
                  <button onClick={() => void act(u.is_superuser ? 'Removed superuser from' : 'Made superuser', () => api.updateUser(u.id, { is_superuser: !u.is_superuser }))}>
                    {u.is_superuser ? 'Unmake superuser' : 'Make superuser'}
                  </button>
                  <button onClick={() => setDialog({ kind: 'profile', user: u })}>Profile</button>
                  <button onClick={() => setDialog({ kind: 'password', user: u })}>Reset password</button>
                  <button onClick={() => setDialog({ kind: 'keys', user: u })}>API keys</button>
                  {u.locked_until && (
                    <button
                      onClick={() =>
                        void api.unlockUser(u.id).then(
                          () => {
                            ok(`Unlocked ${u.username}.`)
                            users.reload()
                          },
                          (err: unknown) => fail(`Unlock: ${errorText(err)}`),
                        )
                      }
                    >
                      Unlock
                    </button>
                  )}
                  <button className="danger" onClick={() => setDialog({ kind: 'delete', user: u })}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={page} pages={pages} onPage={setPage} previous="Previous" next="Next" note={` (${total} users)`} />
      {dialog?.kind === 'delete' && (
        <Confirm
          title={`Delete ${dialog.user.username}?`}
          confirmLabel="Delete user"
          danger
          typed={dialog.user.username}
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            await act('Deleted', () => api.deleteUser(dialog.user.id))
            setDialog(null)
          }}
        >
          <p>The user, their API keys and every session are removed. This cannot be undone.</p>
        </Confirm>
      )}
      {dialog?.kind === 'password' && (
        <PasswordDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSave={async (password) => {
            const r = await api.updateUser(dialog.user.id, { password })
            ok(`Password of ${r.user.username} reset: ${revokedText(r.revoked_sessions.length)}, ${revokedKeysText(r.revoked_api_keys)}.`)
            setDialog(null)
          }}
        />
      )}
      {dialog?.kind === 'profile' && (
        <ProfileDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onSave={async (draft) => {
            const r = await api.updateUser(dialog.user.id, profileInputOf(draft))
            ok(`Profile of ${r.user.username} saved.`)
            setDialog(null)
            users.reload()
          }}
        />
      )}
      {dialog?.kind === 'keys' && <UserKeys user={dialog.user} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'create' && (
        <CreateDialog
          onClose={() => setDialog(null)}
          onCreated={(u) => {
            ok(`Created ${u.username}.`)
            setDialog(null)
            users.reload()
          }}
        />
      )}
    </>
  )
}

function CreateDialog(props: { onClose: () => void; onCreated: (u: AdminUser) => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [superuser, setSuperuser] = useState(false)
  const [profile, setProfile] = useState<ProfileDraft>(emptyProfile)
  return (
    <Confirm
      title="New user"
      confirmLabel="Create user"
      onCancel={props.onClose}
      onConfirm={async () => {
        assertPasswordOk(password, username)
        const r = await api.createUser({ username, password, is_superuser: superuser, ...profileInputOf(profile) })
        props.onCreated(r.user)
      }}
    >
      <label>
        Username
        <input name="new-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" required autoFocus />
      </label>
      <label>
        Password
        <input name="new-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" aria-describedby="create-rules" />
      </label>
      <PasswordRules password={password} username={username} id="create-rules" />
      <label className="inline">
        <input type="checkbox" checked={superuser} onChange={(e) => setSuperuser(e.target.checked)} /> Superuser
      </label>
      <ProfileFields draft={profile} onChange={setProfile} />
    </Confirm>
  )
}

function PasswordDialog(props: { user: AdminUser; onClose: () => void; onSave: (password: string) => Promise<void> }) {
  const [password, setPassword] = useState('')
  return (
    <Confirm
      title={`Reset the password of ${props.user.username}`}
      confirmLabel="Set password"
      onCancel={props.onClose}
      onConfirm={async () => {
        assertPasswordOk(password, props.user.username)
        await props.onSave(password)
      }}
    >
      <p className="muted">Their sessions and API keys are revoked: they sign in again with the new password and make new keys.</p>
      <label>
        New password
        <input name="reset-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" aria-describedby="reset-rules" autoFocus />
      </label>
      <PasswordRules password={password} username={props.user.username} id="reset-rules" />
    </Confirm>
  )
}

function ProfileDialog(props: { user: AdminUser; onClose: () => void; onSave: (draft: ProfileDraft) => Promise<void> }) {
  const [draft, setDraft] = useState<ProfileDraft>(() => profileDraftOf(props.user))
  return (
    <Confirm title={`Profile of ${props.user.username}`} confirmLabel="Save profile" onCancel={props.onClose} onConfirm={() => props.onSave(draft)}>
      <ProfileFields draft={draft} onChange={setDraft} />
    </Confirm>
  )
}

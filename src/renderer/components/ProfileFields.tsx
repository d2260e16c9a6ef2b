// A user's OIDC profile as the Users screen edits it: email, full name and groups (comma- or
// space-separated), in the create dialog and the profile dialog alike. The server judges the values.

import type { AdminProfileInput } from '../../shared/api-types.ts'

export interface ProfileDraft {
  email: string
  name: string
  groups: string
}

export const emptyProfile: ProfileDraft = { email: '', name: '', groups: '' }

export const profileDraftOf = (u: { email: string | null; name: string | null; groups: readonly string[] }): ProfileDraft => ({
  email: u.email ?? '',
  name: u.name ?? '',
  groups: u.groups.join(', '),
})

/** The draft as the admin API takes it: an empty field clears the value. */
export const profileInputOf = (d: ProfileDraft): Required<AdminProfileInput> => ({
  email: d.email.trim() === '' ? null : d.email.trim(),
  name: d.name.trim() === '' ? null : d.name.trim(),
  groups: d.groups.split(/[\s,]+/).filter((g) => g !== ''),
})

export function ProfileFields(props: { draft: ProfileDraft; onChange: (d: ProfileDraft) => void }) {
  const { draft, onChange } = props
  return (
    <>
      <label>
        Email
        <input name="profile-email" type="email" value={draft.email} onChange={(e) => onChange({ ...draft, email: e.target.value })} autoComplete="off" />
      </label>
      <p className="muted">An email set here is marked verified: you vouch for it (apps signing in with authdock see it as email_verified).</p>
      <label>
        Full name
        <input name="profile-name" value={draft.name} onChange={(e) => onChange({ ...draft, name: e.target.value })} autoComplete="off" />
      </label>
      <label>
        Groups
        <input name="profile-groups" value={draft.groups} onChange={(e) => onChange({ ...draft, groups: e.target.value })} placeholder="editors, grafana-viewers" autoComplete="off" />
      </label>
      <p className="muted">Lower-case letters, digits, dots, dashes and underscores, separated by commas. Superusers are in the group admin already.</p>
    </>
  )
}

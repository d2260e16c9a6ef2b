// The password rules, ticked off as the admin types.

import { passwordRules } from '../../shared/password-rules.ts'

export function PasswordRules(props: { password: string; id?: string }) {
  return (
    <ul className="rules" id={props.id} aria-live="polite">
      {passwordRules(props.password).map((r) => (
        <li key={r.text} className={r.met ? 'met' : 'unmet'}>
          {r.met ? '✓' : '•'} {r.text}
        </li>
      ))}
    </ul>
  )
}

export const passwordOk = (password: string): boolean => passwordRules(password).every((r) => r.met)

/** For a dialog's confirm: throws (the dialog shows it) until every rule is met. */
export function assertPasswordOk(password: string): void {
  if (!passwordOk(password)) throw new Error('The password does not meet the rules yet')
}

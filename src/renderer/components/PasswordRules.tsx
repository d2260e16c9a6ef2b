// The password rules, ticked off as the admin types. The server also refuses common and breached
// passwords; that list is not shipped to the console, whose dialogs show the server's refusal.

import { passwordRules } from '../../shared/password-rules.ts'

export function PasswordRules(props: { password: string; username: string; id?: string }) {
  return (
    <ul className="rules" id={props.id} aria-live="polite">
      {passwordRules(props.password, props.username).map((r) => (
        <li key={r.text} className={r.met ? 'met' : 'unmet'}>
          {r.met ? '✓' : '•'} {r.text}
        </li>
      ))}
    </ul>
  )
}

export const passwordOk = (password: string, username: string): boolean => passwordRules(password, username).every((r) => r.met)

/** For a dialog's confirm: throws (the dialog shows it) until every rule is met. */
export function assertPasswordOk(password: string, username: string): void {
  if (!passwordOk(password, username)) throw new Error('The password does not meet the rules yet')
}

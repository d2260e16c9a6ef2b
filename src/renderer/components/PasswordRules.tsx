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

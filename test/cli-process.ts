// The headless server's CLI (src/server/cli.ts under tsx) as a real child process, for tests:
// its output collected, its ready line and exit awaited with a bound, killed when the test ends.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { withTimeout } from './child.ts'

const CLI = resolve(import.meta.dirname, '../src/server/cli.ts')
const TSX = import.meta.resolve('tsx')
const START_TIMEOUT_MS = 30_000

export interface Proc {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

export interface CliOptions {
  /** The whole environment of the child (nothing is inherited). */
  readonly env: Record<string, string | undefined>
  readonly cwd?: string
  /** Modules loaded before the CLI (fault injection). */
  readonly imports?: readonly string[]
  readonly uid?: number
  readonly gid?: number
}

/** Runs `cli.ts ARGS` (the server, or a subcommand); killed when the test ends if still running. */
export function runCli(t: { after: (fn: () => void) => void }, args: readonly string[], options: CliOptions): Proc {
  const imports = ['--import', TSX, ...(options.imports ?? []).flatMap((m) => ['--import', m])]
  const child = spawn(process.execPath, [...imports, CLI, ...args], {
    env: options.env as NodeJS.ProcessEnv,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => void (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => void (err += d.toString()))
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** The server's URL once it prints its ready line. */
export async function ready(p: Proc): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    const m = /^listening on (http:\/\/\S+)$/m.exec(p.stdout())
    if (m) return m[1] as string
    if (p.child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`server did not become ready\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}`)
}

export const exitCode = (p: Proc): Promise<number | null> =>
  withTimeout(p.exited, START_TIMEOUT_MS, `exit\nstdout: ${p.stdout()}\nstderr: ${p.stderr()}`)

// A child process for tests: its output collected and waited on, its exit awaited with a bound,
// and nothing it started left running when the test ends (POSIX process groups).

import { spawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import type { Readable } from 'node:stream'
import type { TestContext } from 'node:test'

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface Child {
  readonly process: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<Exit>
  /** The first match of pattern in stdout; rejects if the child exits first or ms pass. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray>
}

const EXIT_TIMEOUT_MS = 15_000

export function startChild(t: TestContext, argv: readonly string[], options: SpawnOptions): Child {
  const [command, ...args] = argv
  if (command === undefined) throw new Error('empty argv')
  // Its own process group, so that whatever it leaves behind (a server whose shell did not exec
  // it, say) is killed with it at the end.
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const out = collect(child.stdout as Readable)
  const err = collect(child.stderr as Readable)
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  t.after(() => stop(child, exited))
  const describe = () => `\nstdout: ${out.text()}\nstderr: ${err.text()}`
  return {
    process: child,
    stdout: out.text,
    stderr: err.text,
    exited,
    waitFor: (pattern, ms) =>
      withTimeout(
        Promise.race([
          out.waitFor(pattern),
          exited.then(({ code, signal }) => Promise.reject(new Error(`exited (${code ?? signal}) before printing ${pattern}${describe()}`))),
        ]),
        ms,
        `${pattern}${describe()}`,
      ),
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function collect(stream: Readable) {
  let text = ''
  const waiters = new Set<() => void>()
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    text += chunk
    for (const check of waiters) check()
  })
  return {
    text: () => text,
    waitFor: (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve) => {
        const check = () => {
          const match = pattern.exec(text)
          if (match === null) return
          waiters.delete(check)
          resolve(match)
        }
        waiters.add(check)
        check()
      }),
  }
}

/** SIGTERM, then SIGKILL if it does not go; the pipes are closed so they cannot hold the test. */
async function stop(child: ChildProcess, exited: Promise<Exit>): Promise<void> {
  const running = () => child.exitCode === null && child.signalCode === null
  if (running()) {
    child.kill('SIGTERM')
    await withTimeout(exited, EXIT_TIMEOUT_MS, 'exit').catch(() => undefined)
  }
  if (running()) child.kill('SIGKILL')
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
  } catch {
    // the group is gone already
  }
  child.stdout?.destroy()
  child.stderr?.destroy()
}

// A passphrase typed at the terminal without echo, for the CLI's backup and restore.

/** Reads one line from a TTY stdin with echo off; Ctrl-C exits as the shell expects (130). */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin
  // Echo off before the question shows: what is typed as soon as it appears is never echoed.
  stdin.setRawMode(true)
  process.stderr.write(question)
  return new Promise((resolve) => {
    let typed = ''
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (): void => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
    }
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done()
          resolve(typed)
          return
        }
        if (ch === '\u0003') {
          done()
          process.exit(130)
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('')
        else typed += ch
      }
    }
    stdin.on('data', onData)
  })
}

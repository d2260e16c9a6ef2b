// A passphrase typed at the terminal without echo, for the CLI's backup and restore.

/** What the prompt needs of a TTY stdin (tests give a fake one). */
export type PromptInput = Pick<NodeJS.ReadStream, 'setRawMode' | 'resume' | 'pause' | 'setEncoding' | 'on' | 'off'>

/**
 * What came after the end of a line, per input, for the next prompt to read first: a pasted
 * `pass\rpass\r` arrives as one chunk, and the second answer must not be lost.
 */
const typedAhead = new WeakMap<PromptInput, string>()

/** Reads one line from a TTY stdin with echo off; Ctrl-C exits as the shell expects (130). */
export function promptHidden(question: string, stdin: PromptInput = process.stdin, out: Pick<NodeJS.WriteStream, 'write'> = process.stderr): Promise<string> {
  // Echo off before the question shows: what is typed as soon as it appears is never echoed.
  stdin.setRawMode(true)
  out.write(question)
  return new Promise((resolve) => {
    let typed = ''
    let finished = false
    const done = (): void => {
      finished = true
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      out.write('\n')
    }
    const onData = (chunk: string): void => {
      const chars = [...chunk]
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i] as string
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          // \r\n (pasted from a file with CRLF lines) ends one line, not two
          const rest = chars.slice(ch === '\r' && chars[i + 1] === '\n' ? i + 2 : i + 1).join('')
          if (rest === '') typedAhead.delete(stdin)
          else typedAhead.set(stdin, rest)
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
    stdin.setEncoding('utf8')
    stdin.on('data', onData)
    const ahead = typedAhead.get(stdin)
    typedAhead.delete(stdin)
    if (ahead !== undefined) onData(ahead)
    if (!finished) stdin.resume()
  })
}

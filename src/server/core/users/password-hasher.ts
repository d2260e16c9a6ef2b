// bcrypt on a small pool of worker threads, so that a burst of logins never stalls other requests.

import { Worker } from 'node:worker_threads'
import { randomBytes } from 'node:crypto'

interface Task {
  readonly id: number
  readonly op: 'hash' | 'compare'
  readonly password: string
  readonly hash?: string
  readonly cost?: number
}

interface Pending {
  readonly task: Task
  readonly resolve: (value: unknown) => void
  readonly reject: (err: Error) => void
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(password: string, hash: string): Promise<boolean>
  /** A valid hash of nothing anyone knows: compared against when a user does not exist, so that
   *  a wrong username costs exactly as long as a wrong password. */
  dummyHash(): Promise<string>
  /** The cost a stored hash was made with (for rehash on login when the setting changed). */
  costOf(hash: string): number | null
  close(): Promise<void>
}

export function createPasswordHasher(options: { cost: number; workers: number; workerUrl?: URL }): PasswordHasher {
  const url = options.workerUrl ?? new URL('./bcrypt-worker.js', import.meta.url)
  const queue: Pending[] = []
  const idle: Worker[] = []
  const busy = new Map<Worker, Pending>()
  let nextId = 1
  let closed = false
  let dummy: Promise<string> | undefined

  function spawn(): void {
    const worker = new Worker(url)
    worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const job = busy.get(worker)
      busy.delete(worker)
      if (job && msg.error !== undefined) job.reject(new Error(msg.error))
      else job?.resolve(msg.result)
      idle.push(worker)
      pump()
    })
    worker.on('error', (err) => {
      const job = busy.get(worker)
      busy.delete(worker)
      job?.reject(err)
      if (!closed) spawn() // replace a crashed worker
      pump()
    })
    idle.push(worker)
  }

  function pump(): void {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop() as Worker
      const job = queue.shift() as Pending
      busy.set(worker, job)
      worker.postMessage(job.task)
    }
  }

  function run<T>(task: Omit<Task, 'id'>): Promise<T> {
    if (closed) return Promise.reject(new Error('password hasher is closed'))
    return new Promise<T>((resolve, reject) => {
      queue.push({ task: { ...task, id: nextId++ }, resolve: resolve as (v: unknown) => void, reject })
      pump()
    })
  }

  for (let i = 0; i < options.workers; i++) spawn()

  return {
    hash: (password) => run<string>({ op: 'hash', password, cost: options.cost }),
    verify: (password, hash) => run<boolean>({ op: 'compare', password, hash }),
    dummyHash() {
      dummy ??= run<string>({ op: 'hash', password: randomBytes(24).toString('base64'), cost: options.cost })
      return dummy
    },
    costOf(hash) {
      const m = /^\$2[abxy]\$(\d{2})\$/.exec(hash)
      return m ? Number(m[1]) : null
    },
    async close() {
      closed = true
      for (const job of queue.splice(0)) job.reject(new Error('password hasher is closed'))
      // A terminated worker never answers: its job must not wait forever.
      for (const job of busy.values()) job.reject(new Error('password hasher is closed'))
      const workers = [...idle, ...busy.keys()]
      idle.length = 0
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}

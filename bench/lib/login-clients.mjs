// N clients logging in back to back for a while (scenario 2's background load), run by run.mjs
// pinned to the load generator's core. Usage: node login-clients.mjs '<json>' with url, username,
// password, clients, seconds. Prints one JSON line: logins done (and when), failures, seconds, latency p50.

import { request, Agent } from 'node:http'

const opts = JSON.parse(process.argv[2])
const agent = new Agent({ keepAlive: true })
const body = new URLSearchParams({ username: opts.username, password: opts.password }).toString()
const started = performance.now()
const deadline = Date.now() + opts.seconds * 1000
const latencies = []
const completedAt = [] // epoch ms of each successful login
let failures = 0

function login() {
  return new Promise((resolve) => {
    const started = performance.now()
    const req = request(opts.url + '/api/v1/login', {
      method: 'POST', agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode === 200) {
          latencies.push(performance.now() - started)
          completedAt.push(Date.now())
        }
        else failures += 1
        resolve()
      })
    })
    req.on('error', () => { failures += 1; setTimeout(resolve, 50) })
    req.end(body)
  })
}

async function client() {
  while (Date.now() < deadline) await login()
}

let stopped = false
const report = () => {
  if (stopped) return
  stopped = true
  latencies.sort((a, b) => a - b)
  process.stdout.write(JSON.stringify({ logins: latencies.length, failures, seconds: (performance.now() - started) / 1000, completedAt, p50: latencies[Math.floor(latencies.length / 2)] ?? null }) + '\n')
  process.exit(0)
}
process.once('SIGTERM', report)
await Promise.all(Array.from({ length: opts.clients }, client))
report()

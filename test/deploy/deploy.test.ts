// deploy/ as far as a machine without Docker or Kubernetes can check it: every YAML file parses
// cleanly, the compose files and the manifest set only variables the server reads and wire the
// config dir, port and health path together, and the Dockerfile runs scripts that exist.

import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ALGORITHMS, loadConfig } from '../../src/server/core/config.ts'
import { allowedHosts, isHostAllowed } from '../../src/server/core/host-policy.ts'
import {
  ROOT,
  deployFiles,
  dockerIgnores,
  dockerfile,
  dockerignorePatterns,
  envNamesIn,
  execForm,
  finalEnv,
  last,
  parseYaml,
  read,
  serverEnvNames,
} from './deploy-files.ts'

const HEALTH_PATH = '/api/v1/health'
const COMPOSE_FILES = ['deploy/compose.hs256.yml', 'deploy/compose.rs256.yml']
const MANIFEST = 'deploy/k8s/authdock.yaml'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
/** Walks a parsed document by keys and indexes, failing with the path when a step is missing. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let v = value
  for (const step of path) {
    assert.ok(isObj(v) || Array.isArray(v), `no ${path.join('.')} (stopped before ${step})`)
    v = (v as Record<string | number, unknown>)[step]
  }
  return v
}
const objAt = (value: unknown, ...path: Array<string | number>): Obj => {
  const v = at(value, ...path)
  assert.ok(isObj(v), `${path.join('.')} is a mapping`)
  return v
}
const listAt = (value: unknown, ...path: Array<string | number>): unknown[] => {
  const v = at(value, ...path)
  assert.ok(Array.isArray(v), `${path.join('.')} is a list`)
  return v
}

/** Turns commented `NAME: value` lines (the documented variants) into live ones. */
const uncommentEnv = (text: string): string => text.replace(/^(\s*)# ((?:LANGFLOW|AUTHDOCK)_[A-Z0-9_]+: .*)$/gm, '$1$2')

const image = dockerfile()
const imageEnv = finalEnv(image)
const CONFIG_DIR = imageEnv.LANGFLOW_CONFIG_DIR ?? ''
const PORT = imageEnv.AUTHDOCK_PORT ?? ''

test('every YAML file under deploy/ parses without errors or warnings', () => {
  const yamlFiles = deployFiles().filter((f) => /\.ya?ml$/.test(f))
  for (const file of [...COMPOSE_FILES, MANIFEST]) assert.ok(yamlFiles.includes(file), `${file} exists`)
  for (const file of yamlFiles) {
    const docs = parseYaml(file)
    assert.ok(docs.length > 0 && docs.every(isObj), `${file}: every document is a mapping`)
    // The commented variants must still be valid once uncommented.
    parseYaml(file, uncommentEnv(read(file)))
  }
})

test('deploy/ names only environment variables the server reads', () => {
  const known = serverEnvNames()
  for (const file of deployFiles()) {
    const unknown = envNamesIn(read(file)).filter((name) => !known.has(name))
    assert.deepEqual(unknown, [], `${file} names variables the server does not read`)
  }
})

test('the Dockerfile builds on Node 20 slim, runs the image scripts, and wires config dir, host, port and health', () => {
  const arg = image.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='))
  assert.match(arg?.args ?? '', /^NODE_IMAGE=node:20[\w.-]*-slim$/, 'a Node 20 Debian slim base')
  for (const from of image.filter((i) => i.keyword === 'FROM')) assert.match(from.args, /^\$\{NODE_IMAGE\}/)

  const scripts = image.flatMap((i) => [...i.args.matchAll(/deploy\/image\/[\w.-]+/g)].map((m) => m[0]))
  assert.ok(scripts.length > 0)
  for (const script of scripts) assert.ok(existsSync(join(ROOT, script)), `${script}, used by the Dockerfile, exists`)

  const runs = image.filter((i) => i.keyword === 'RUN').map((i) => i.args)
  assert.ok(runs.some((r) => /\bsh deploy\/image\/install\.sh\b/.test(r)), 'a RUN runs deploy/image/install.sh')
  assert.deepEqual(execForm(last(image, 'CMD')?.args ?? 'null'), ['sh', 'deploy/image/start.sh'])
  const health = last(image, 'HEALTHCHECK')?.args ?? ''
  const healthCmd = execForm(health.slice(health.indexOf('CMD ') + 4))
  assert.ok(healthCmd.includes('deploy/image/healthcheck.mjs'), 'HEALTHCHECK runs deploy/image/healthcheck.mjs')
  assert.match(read('deploy/image/healthcheck.mjs'), new RegExp(`${HEALTH_PATH}(?![\\w/-])`), `the health check asks ${HEALTH_PATH}`)

  assert.equal(CONFIG_DIR, '/data')
  assert.equal(last(image, 'VOLUME')?.args, CONFIG_DIR, 'the config dir is the volume')
  assert.equal(imageEnv.AUTHDOCK_HOST, '0.0.0.0', 'reachable from outside the container')
  assert.equal(last(image, 'EXPOSE')?.args, PORT, 'EXPOSE is the port the server binds')
  assert.equal(PORT, '7861')
  const user = last(image, 'USER')?.args ?? ''
  assert.match(user, /^[1-9]\d*(?::\d+)?$/, 'runs as a numeric non-root user (Kubernetes can check runAsNonRoot)')
  for (const name of Object.keys(imageEnv)) if (/^(LANGFLOW|AUTHDOCK)_/.test(name)) assert.ok(serverEnvNames().has(name), name)
})

test('.dockerignore keeps local builds and secrets out of the image and everything the install needs in', () => {
  const patterns = dockerignorePatterns()
  for (const path of ['node_modules', 'out/renderer/index.html', '.env', 'deploy/.env', '.git']) {
    assert.ok(dockerIgnores(patterns, path), `.dockerignore excludes ${path}`)
  }
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'electron.vite.config.ts', 'vite.server.config.ts', 'src/server/cli.ts', 'src/renderer/index.html', 'deploy/image/install.sh', 'deploy/image/start.sh', 'deploy/image/healthcheck.mjs', 'resources/icon.png']) {
    assert.ok(!dockerIgnores(patterns, path), `.dockerignore keeps ${path}`)
  }
})

for (const file of COMPOSE_FILES) {
  test(`${file}: builds the image, mounts the config dir on a named volume, publishes the port`, () => {
    for (const text of [read(file), uncommentEnv(read(file))]) {
      const [compose] = parseYaml(file, text)
      const service = objAt(compose, 'services', 'authdock')
      assert.equal(at(service, 'build', 'dockerfile'), 'deploy/Dockerfile')
      assert.equal(join(ROOT, 'deploy', String(at(service, 'build', 'context'))), ROOT, 'the build context is the repository root')

      const env = objAt(service, 'environment')
      for (const name of Object.keys(env)) assert.ok(serverEnvNames().has(name), `${name} is read by the server`)
      for (const [name, value] of Object.entries(env)) {
        // Secrets come from the environment or .env, never written into the file.
        if (/KEY|PASSWORD/.test(name)) assert.match(String(value), new RegExp(`^\\$\\{${name}[:?}-]`), `${name} comes from the environment`)
      }

      const mounts = listAt(service, 'volumes').map(String)
      const data = mounts.find((m) => m.split(':')[1] === CONFIG_DIR)
      assert.ok(data !== undefined, `a volume at ${CONFIG_DIR}`)
      const volume = data.split(':')[0] ?? ''
      assert.ok(Object.hasOwn(objAt(compose, 'volumes'), volume), `${volume} is a named volume`)
      assert.ok(listAt(service, 'ports').map(String).some((p) => p.endsWith(`:${PORT}`)), `publishes ${PORT}`)
    }
  })
}

test('compose.hs256.yml: HS256 with the secret from the environment', () => {
  const [compose] = parseYaml(COMPOSE_FILES[0] as string)
  const env = objAt(compose, 'services', 'authdock', 'environment')
  assert.equal(env.LANGFLOW_ALGORITHM, 'HS256')
  assert.match(String(env.LANGFLOW_SECRET_KEY), /^\$\{LANGFLOW_SECRET_KEY:\?/, 'required: compose refuses to start without it')
})

test('compose.rs256.yml: RS256 with keys on the volume, or from the environment once uncommented', () => {
  const file = COMPOSE_FILES[1] as string
  const [onVolume] = parseYaml(file)
  const env = objAt(onVolume, 'services', 'authdock', 'environment')
  assert.equal(env.LANGFLOW_ALGORITHM, 'RS256')
  assert.ok(!('LANGFLOW_PRIVATE_KEY' in env), 'by default the server generates the pair into the volume')
  const [fromEnv] = parseYaml(file, uncommentEnv(read(file)))
  const envVariant = objAt(fromEnv, 'services', 'authdock', 'environment')
  assert.match(String(envVariant.LANGFLOW_PRIVATE_KEY), /^\$\{LANGFLOW_PRIVATE_KEY/)
  assert.match(String(envVariant.LANGFLOW_PUBLIC_KEY), /^\$\{LANGFLOW_PUBLIC_KEY/)
})

/**
 * Whether the server, started with these variables and bound to the image's wildcard address,
 * answers a request with this Host (core/host-policy.ts, the very check of every request).
 */
function answersHost(env: Record<string, unknown>, host: string): boolean {
  const pick = (name: string) => (typeof env[name] === 'string' ? env[name] : undefined)
  const { config } = loadConfig({ AUTHDOCK_ALLOWED_HOSTS: pick('AUTHDOCK_ALLOWED_HOSTS'), AUTHDOCK_ISSUER: pick('AUTHDOCK_ISSUER') })
  return isHostAllowed(host, allowedHosts(config, { host: '0.0.0.0', port: Number(PORT) }))
}

for (const file of COMPOSE_FILES) {
  test(`${file}: other containers reach the server by its service name`, () => {
    const [compose] = parseYaml(file)
    const env = objAt(compose, 'services', 'authdock', 'environment')
    assert.ok(answersHost(env, `authdock:${PORT}`), 'AUTHDOCK_ALLOWED_HOSTS lists the service name')
    assert.ok(answersHost(env, `127.0.0.1:${PORT}`), 'the published loopback port')
    assert.ok(!answersHost(env, `evil.example:${PORT}`))
  })
}

/** The manifest's documents by kind; with the Secret's commented key entries made live if asked. */
function manifest(withKeys: boolean): Map<string, Obj> {
  const text = withKeys ? read(MANIFEST).replace(/^(\s*)# ((?:private|public)-key: \|$|  .*-----.*$|  [A-Za-z0-9+/]+\.\.\.$)/gm, '$1$2') : read(MANIFEST)
  const byKind = new Map<string, Obj>()
  for (const doc of parseYaml(MANIFEST, text)) {
    assert.ok(isObj(doc))
    const kind = String(doc.kind)
    assert.ok(!byKind.has(kind), `one ${kind}`)
    assert.equal(at(doc, 'metadata', 'namespace'), undefined, `${kind} leaves the namespace to kubectl -n`)
    byKind.set(kind, doc)
  }
  assert.deepEqual([...byKind.keys()].sort(), ['Deployment', 'PersistentVolumeClaim', 'Secret', 'Service'])
  return byKind
}

test('k8s: one non-root replica with the PVC at the config dir, probes on the health path, keys from the Secret', () => {
  for (const withKeys of [false, true]) {
    const docs = manifest(withKeys)
    const deployment = docs.get('Deployment') as Obj
    const secret = docs.get('Secret') as Obj
    const pvc = docs.get('PersistentVolumeClaim') as Obj
    const service = docs.get('Service') as Obj

    assert.equal(at(deployment, 'spec', 'replicas'), 1, 'one SQLite file: one replica')
    assert.equal(at(deployment, 'spec', 'strategy', 'type'), 'Recreate', 'the old pod lets go of the database first')
    const pod = objAt(deployment, 'spec', 'template', 'spec')
    const [container, ...others] = listAt(pod, 'containers')
    assert.equal(others.length, 0)
    assert.ok(isObj(container))

    // Security: non-root, no escalation, read-only root with the data volume (and /tmp) writable.
    assert.equal(at(pod, 'securityContext', 'runAsNonRoot'), true)
    assert.notEqual(at(pod, 'securityContext', 'runAsUser'), 0)
    assert.equal(at(container, 'securityContext', 'allowPrivilegeEscalation'), false)
    assert.equal(at(container, 'securityContext', 'readOnlyRootFilesystem'), true)

    // Env: known names only; literal values agree with the image; secret refs resolve.
    const env = listAt(container, 'env').map((e) => objAt(e))
    const value = (name: string) => env.find((e) => e.name === name)?.value
    for (const e of env) assert.ok(serverEnvNames().has(String(e.name)), `${String(e.name)} is read by the server`)
    assert.equal(value('AUTHDOCK_HOST'), '0.0.0.0')
    assert.equal(value('AUTHDOCK_PORT'), PORT, 'a string, as env values must be')
    const configDir = value('LANGFLOW_CONFIG_DIR')
    assert.equal(configDir, CONFIG_DIR)
    const stringData = objAt(secret, 'stringData')
    for (const e of env.filter((e) => e.valueFrom !== undefined)) {
      const ref = objAt(e, 'valueFrom', 'secretKeyRef')
      assert.equal(ref.name, at(secret, 'metadata', 'name'), `${String(e.name)} reads the manifest's Secret`)
      if (withKeys || ref.optional !== true) assert.ok(Object.hasOwn(stringData, String(ref.key)), `the Secret has ${String(ref.key)}`)
    }
    const algorithmRef = env.find((e) => e.name === 'LANGFLOW_ALGORITHM')
    const algorithm = stringData[String(at(algorithmRef, 'valueFrom', 'secretKeyRef', 'key'))]
    assert.ok((ALGORITHMS as readonly string[]).includes(String(algorithm)), `algorithm ${String(algorithm)}`)
    if (withKeys) {
      assert.match(String(stringData['private-key']), /^-----BEGIN PRIVATE KEY-----\n/)
      assert.match(String(stringData['public-key']), /^-----BEGIN PUBLIC KEY-----\n/)
    }

    // The PVC is mounted at the config dir; /tmp is writable scratch space despite the read-only root.
    const volumes = listAt(pod, 'volumes').map((v) => objAt(v))
    const mounts = listAt(container, 'volumeMounts').map((m) => objAt(m))
    const dataVolume = volumes.find((v) => at(v, 'persistentVolumeClaim', 'claimName') === at(pvc, 'metadata', 'name'))
    assert.ok(dataVolume !== undefined, 'a volume from the PVC')
    assert.equal(mounts.find((m) => m.name === dataVolume.name)?.mountPath, configDir)
    const tmp = mounts.find((m) => m.mountPath === '/tmp')
    assert.ok(tmp !== undefined && volumes.some((v) => v.name === tmp.name && isObj(v.emptyDir)), 'an emptyDir at /tmp')
    assert.ok(listAt(pvc, 'spec', 'accessModes').includes('ReadWriteOnce'))

    // Ports: probes and Service reach the port the server binds.
    const ports = listAt(container, 'ports').map((p) => objAt(p))
    const portOf = (ref: unknown) => String(ports.find((p) => p.name === ref || p.containerPort === ref)?.containerPort)
    // The Host the kubelet sends: the pod's IP unless the probe names one; the server refuses an
    // unknown Host (421), so each probe names one it answers. Pods reach it by the Service's name.
    const literalEnv = Object.fromEntries(env.filter((e) => typeof e.value === 'string').map((e) => [String(e.name), e.value]))
    assert.ok(!answersHost(literalEnv, `10.1.2.3:${PORT}`), 'a pod IP is not answered')
    for (const probe of ['livenessProbe', 'readinessProbe']) {
      assert.equal(at(container, probe, 'httpGet', 'path'), HEALTH_PATH, `${probe} checks health`)
      assert.equal(portOf(at(container, probe, 'httpGet', 'port')), PORT, `${probe} on the server's port`)
      const host = listAt(container, probe, 'httpGet', 'httpHeaders').map((h) => objAt(h)).find((h) => String(h.name).toLowerCase() === 'host')
      assert.ok(host !== undefined && answersHost(literalEnv, `${String(host.value)}:${PORT}`), `${probe} sends a Host the server answers`)
    }
    assert.ok(answersHost(literalEnv, `${String(at(service, 'metadata', 'name'))}:${PORT}`), 'the Service name is answered')
    const [servicePort] = listAt(service, 'spec', 'ports')
    assert.equal(portOf(at(servicePort, 'targetPort')), PORT)
    assert.deepEqual(at(service, 'spec', 'selector'), at(deployment, 'spec', 'template', 'metadata', 'labels'))

    // Kubernetes injects <SERVICE>_PORT=tcp://… into pods: for a Service named authdock that is
    // AUTHDOCK_PORT, so service links must be off.
    const injected = `${String(at(service, 'metadata', 'name')).toUpperCase().replace(/-/g, '_')}_PORT`
    if (serverEnvNames().has(injected)) assert.equal(pod.enableServiceLinks, false, `${injected} would be injected`)
  }
})

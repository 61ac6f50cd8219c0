import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, packTarball } from './helpers/tarball.js'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

t.test('npm pack ships the built code, its declarations and the README, nothing else', async t => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>
  const files = pack!.files.map(file => file.path)
  t.ok(files.includes('dist/lib/index.js'))
  t.ok(files.includes('dist/lib/index.d.ts'))
  t.ok(files.includes('README.md'))
  t.same(files.filter(path => !/^dist\/(lib|schemas)\/|^README\.md$|^package\.json$/.test(path)), [], 'only dist/, README and package.json')
  t.notOk(files.some(path => path.startsWith('dist/') && /\.test\./.test(path)), 'no tests')
})

t.test('fastify is the host\'s: a peer dependency, never a dependency of ours', async t => {
  t.equal(pkg.peerDependencies.fastify, '^5.0.0')
  t.notOk(pkg.dependencies.fastify, 'a dependency would nest a second fastify in hosts on another 5.x')
  // Used only in types that hosts never see (the host test type-checks without it).
  t.notOk(pkg.dependencies['@fastify/type-provider-typebox'])
})

t.test('the exports map points at built files with types, for the Node versions that can require() it', async t => {
  t.equal(pkg.type, 'module')
  t.same(pkg.exports['.'], { types: './dist/lib/index.d.ts', default: './dist/lib/index.js' })
  t.equal(pkg.engines.node, '^20.19.0 || >=22.12.0', 'the versions whose require() loads ESM without a flag')
  const self = await import('fastify-ocean-compute')
  t.type(self.default, 'function', 'the package imports by its own name')
  t.equal(self.fastifyOceanCompute, self.default, 'the named form of the plugin')
  t.type(self.httpOperator, 'function')
  t.type(self.localOperator, 'function')
  t.type(self.personalSignVerifier, 'function')
  t.ok(Object.isFrozen(self.defaultLimits), 'a host cannot change the defaults of every other registration')
  t.same(Object.keys(self.errors).filter(name => !name.endsWith('Error')), [], 'errors holds the error classes and no helpers')
})

t.test('attw finds the types for node16 (ESM and CommonJS), bundler and node10 hosts', async t => {
  const tarball = packTarball(t)
  const attw = spawnSync(join(ROOT, 'node_modules/.bin/attw'), [tarball, '--format', 'json'], { encoding: 'utf8' })
  const { analysis } = JSON.parse(attw.stdout) as { analysis: { problems: unknown[], entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> } }
  for (const [kind, { resolution }] of Object.entries(analysis.entrypoints['.']!.resolutions)) {
    t.equal(resolution?.fileName, '/node_modules/fastify-ocean-compute/dist/lib/index.d.ts', `${kind} resolves our declarations`)
  }
  t.same(Object.keys(analysis.entrypoints['.']!.resolutions).sort(), ['bundler', 'node10', 'node16-cjs', 'node16-esm'])
  // The one problem attw reports is require() of ESM, which attw judges by Node 16's rules.
  // Node 20.19+ and 22.12+ (engines) load ESM with require(), and TypeScript 5.8+ types it
  // under `module: nodenext`: the host test runs and type-checks such a CommonJS host.
  t.same(analysis.problems, [{ kind: 'CJSResolvesToESM', entrypoint: '.', resolutionKind: 'node16-cjs' }])
})

t.test('the built package decompresses a DDO published with LZMA in its worker thread', async t => {
  const { chainDdos } = await import('fastify-ocean-compute')
  // {"id":"did:op:…"} as ocean.js 0.9/0.11 compress it (LZMA-JS, level 9, no end mark).
  const lzma = (await import('node:module')).createRequire(import.meta.url)('lzma/src/lzma-c.js') as { LZMA: { disableEndMark?: boolean, compress: (text: string, mode: number) => number[] } }
  lzma.LZMA.disableEndMark = true
  const did = 'did:op:' + '12'.repeat(20)
  const ddo = { '@context': 'https://w3id.org/did/v1', id: did, service: [] }
  const { encodeAbiParameters, bytesToHex } = await import('viem')
  const data = encodeAbiParameters([{ type: 'bytes' }, { type: 'bytes' }], ['0x01', bytesToHex(Uint8Array.from(lzma.LZMA.compress(JSON.stringify(ddo), 9), byte => byte & 255))])
  const resolve = chainDdos({ client: { request: async () => [{ blockNumber: '0x1', logIndex: '0x0', data }] }, metadata: '0x' + '34'.repeat(20) })
  t.same(await resolve(did, { signal: new AbortController().signal }), ddo, 'from dist/, not through a loader')
})

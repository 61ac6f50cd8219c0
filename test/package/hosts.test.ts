import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT, packTarball } from '../helpers/tarball.js'

// A throwaway host installs the packed package the way a user does, beside the oldest
// fastify 5.x the peer range admits. The install comes from the npm cache that `npm ci`
// filled (--prefer-offline); a cold cache costs one download of that fastify.
// It costs ~25 s of CPU (the install mostly unpacks viem; tsc checks fastify's and Node's
// declarations too), 70 s on a quiet 2-core machine, minutes on a loaded one: hence the bound.
t.setTimeout(600_000)

const run = promisify(execFile)
const FIXTURES = join(ROOT, 'test/package/host')
const peer = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).peerDependencies.fastify as string
const OLDEST = peer.replace(/^\^/, '')

const dir = mkdtempSync(join(tmpdir(), 'foc-host-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const tarball = packTarball(t)
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'host', private: true }))
for (const file of ['probe.cjs', 'host.mjs', 'host.cjs', 'host.mts', 'host.cts']) copyFileSync(join(FIXTURES, file), join(dir, file))

const npm = async (...args: string[]) => await run('npm', args, { cwd: dir, encoding: 'utf8', maxBuffer: 16 << 20 })

/** Installs fastify and the tarball; false when the registry is unreachable (and that may be skipped). */
async function install (): Promise<boolean> {
  try {
    // No install scripts: the optional native secp256k1 is not compiled, the plugin falls back to viem.
    await npm('install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `fastify@${OLDEST}`, tarball)
    return true
  } catch (err) {
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(String((err as { stderr?: string }).stderr))
    if (!offline || process.env.COMPUTE_TEST_REQUIRE_SERVERS === '1') throw err
    return false
  }
}

const skip = await install() ? false : `the npm registry is unreachable: no host installs fastify@${OLDEST} and the tarball`

t.test(`a host on fastify ${OLDEST} gets one fastify, its own`, { skip }, async t => {
  const { stdout } = await npm('query', '#fastify')
  const copies = (JSON.parse(stdout) as Array<{ location: string, version: string }>).map(n => [n.location, n.version])
  t.same(copies, [['node_modules/fastify', OLDEST]], 'no nested fastify under fastify-ocean-compute')
  // npm ls exits non-zero on a missing or invalid peer.
  const ls = await npm('ls', 'fastify', '--all')
  t.match(ls.stdout, 'fastify-ocean-compute@')
  t.notMatch(ls.stdout, /invalid|UNMET/)
})

const answer = [{ status: 200, body: [{ jobId: 'j1', status: 70, statusText: 'Job finished' }] }]

t.test('an ESM host imports the plugin by its default and named forms and registers both', { skip }, async t => {
  const { stdout } = await run(process.execPath, ['host.mjs'], { cwd: dir })
  t.same(JSON.parse(stdout), [answer[0], answer[0]], 'both answer an unsigned status, redacted')
})

t.test('a CommonJS host require()s the plugin and registers it', { skip }, async t => {
  const { stdout } = await run(process.execPath, ['host.cjs'], { cwd: dir })
  t.same(JSON.parse(stdout), [answer[0], answer[0]])
})

t.test('ESM and CommonJS TypeScript hosts type-check against the published declarations', { skip }, async t => {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      module: 'nodenext',
      target: 'es2022',
      strict: true,
      noEmit: true,
      // Our declarations must stand on what the host installed: an import of a
      // devDependency (type-provider-typebox) in them would fail here.
      skipLibCheck: false,
      typeRoots: [join(ROOT, 'node_modules/@types')],
      types: ['node']
    },
    files: ['host.mts', 'host.cts']
  }))
  const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })
    .then(() => ({ code: 0, stdout: '' }), (err: { code: number, stdout: string }) => err)
  t.equal(tsc.code, 0, tsc.stdout)
})

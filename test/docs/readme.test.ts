import t from 'tap'
import { readFile, readdir } from 'node:fs/promises'
import Fastify from 'fastify'
import compute, { memoryNonceStore, oceanNodeCompute } from '../../lib/index.js'
import { MemoryOperator } from '../helpers/memory-operator.js'

// The README is the user's reference: every error code, option and route must be in it, and
// every TypeScript snippet must compile (test/docs/readme-snippets/ holds each, type-checked
// by `npm run typecheck`).

const root = new URL('../../', import.meta.url)
const readme = await readFile(new URL('README.md', root), 'utf8')
const source = async (path: string) => await readFile(new URL(path, root), 'utf8')

/** The README's table rows: lines that start with `|`. */
const rows = readme.split('\n').filter(line => line.startsWith('|'))

/** The members of `export interface name` declared in its own body (not inherited). */
function membersOf (text: string, name: string): string[] {
  const body = new RegExp(`^export interface ${name}\\b[^{]*\\{\\n([\\s\\S]*?)^\\}`, 'm').exec(text)?.[1]
  if (body === undefined) throw new Error(`no interface ${name}`)
  return [...body.matchAll(/^ {2}(\w+)\??:/gm)].map(match => match[1]!)
}

t.test('every error code of lib/errors.ts is in the README\'s errors table with its status', async t => {
  const errors = await source('lib/errors.ts')
  const codes = [...errors.matchAll(/createError<'(FST_COMPUTE_\w+)', (\d+|number)/g)].map(([, code, status]) => ({ code: code!, status: status! }))
  t.ok(codes.length >= 20, `found the codes (${codes.length})`)
  for (const { code, status } of codes) {
    const row = rows.find(line => line.includes(`\`${code}\``) && line.split('|')[2]?.includes(code))
    t.ok(row, `${code} has a row of its own`)
    // A numeric status is the one the client gets; `number` is a 4xx passed on, or a registration error.
    const expected = status === 'number' ? /^(4xx|at registration)$/ : new RegExp(`^${status}$`)
    t.match(row?.split('|')[1]?.trim(), expected, `${code}: status ${status}`)
  }
})

t.test('every option of the plugins, operators, stores and terms is named in the README', async t => {
  const interfaces: Array<[file: string, names: string[]]> = [
    ['lib/options.ts', ['ComputePluginOptions']],
    ['lib/modern/options.ts', ['OceanNodeComputeOptions']],
    ['lib/operator/http/options.ts', ['HttpOperatorOptions']],
    ['lib/operator/engine/options.ts', ['EngineOptions']],
    ['lib/operator/engine/download-options.ts', ['DownloadOptions']],
    ['lib/operator/local/options.ts', ['LocalOperatorOptions']],
    ['lib/operator/docker/options.ts', ['DockerOperatorOptions']],
    ['lib/verifier/personal-sign.ts', ['PersonalSignVerifierOptions']],
    ['lib/terms/index.ts', ['OceanTermsOptions']],
    ['lib/terms/resolvers/aquarius.ts', ['AquariusResolverOptions']],
    ['lib/terms/resolvers/cache.ts', ['DdoCacheOptions']],
    ['lib/terms/orders.ts', ['ChainOrdersOptions']],
    ['lib/terms/resolvers/chain.ts', ['ChainDdosOptions']],
    ['lib/verifier/stores/redis.ts', ['RedisNonceStoreOptions']],
    ['lib/verifier/stores/postgres.ts', ['PostgresNonceStoreOptions']],
    ['lib/terms/uses/redis.ts', ['RedisOrderUsesOptions']],
    ['lib/terms/uses/postgres.ts', ['PostgresOrderUsesOptions']],
    ['schemas/params.ts', ['ParamLimits']]
  ]
  for (const [file, names] of interfaces) {
    const text = await source(file)
    for (const name of names) {
      const members = membersOf(text, name)
      t.ok(members.length > 0, `${name} has options`)
      // Named in text (`member`) or set in a snippet (member: …).
      for (const member of members) t.match(readme, new RegExp(`\`${member}\\b|\\b${member}: `), `${name}.${member} is in the README`)
    }
  }
})

t.test('every route both plugins serve is in the README', async t => {
  const routes: Array<{ method: string, url: string }> = []
  const app = Fastify()
  app.addHook('onRoute', route => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url })
  })
  // An operator that follows logs, so that the current wire serves computeStreamableLogs too.
  const operator = Object.assign(new MemoryOperator(), { logs: async () => undefined })
  await app.register(compute, { prefix: '/v04', operator, nonceStore: memoryNonceStore() })
  await app.register(oceanNodeCompute, { prefix: '/node', operator })
  await app.ready()
  t.teardown(() => app.close())

  const first = routes.filter(route => route.url.startsWith('/v04/'))
  t.same(first.map(route => route.url.slice('/v04'.length)).sort(), ['/compute', '/compute', '/compute', '/compute', '/computeResult', '/nonce'])
  for (const { method, url } of first) {
    const path = `<prefix>${url.slice('/v04'.length)}`
    t.ok(rows.some(line => line.startsWith(`| ${method} | \`${path}`)), `${method} ${path} is in the routes table`)
  }
  const current = routes.filter(route => route.url.startsWith('/node'))
  t.ok(current.length >= 10, `the current wire's routes (${current.length})`)
  for (const { method, url } of current) {
    const path = url.slice('/node/'.length)
    const named = path === '' ? `\`${method} <prefix>/\`` : `\`${method} ${path}`
    t.ok(readme.includes(named), `${method} /${path} of the current wire is in the README`)
  }
})

t.test('every TypeScript snippet of the README is one that `npm run typecheck` compiles', async t => {
  const folder = new URL('test/docs/readme-snippets/', root)
  const checked = await Promise.all((await readdir(folder)).map(async name => await readFile(new URL(name, folder), 'utf8')))
  const snippets = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(match => match[1]!)
  t.ok(snippets.length > 0)
  for (const snippet of snippets) {
    t.ok(checked.some(text => text.includes(snippet)), `copied into test/docs/readme-snippets/: ${snippet.split('\n')[0]}`)
  }
})

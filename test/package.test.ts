import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

t.test('npm pack ships the built code, its declarations and the README, nothing else', async t => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>
  const files = pack!.files.map(file => file.path)
  t.ok(files.includes('dist/lib/index.js'))
  t.ok(files.includes('dist/lib/index.d.ts'))
  t.ok(files.includes('README.md'))
  t.same(files.filter(path => !/^dist\/(lib|schemas)\/|^README\.md$|^package\.json$/.test(path)), [], 'only dist/, README and package.json')
  t.notOk(files.some(path => path.startsWith('dist/') && /\.test\./.test(path)), 'no tests')
})

t.test('the exports map points at built files with types, for Node 20 and later', async t => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  t.equal(pkg.type, 'module')
  t.same(pkg.exports['.'], { types: './dist/lib/index.d.ts', default: './dist/lib/index.js' })
  t.equal(pkg.engines.node, '>=20')
  const self = await import('fastify-ocean-compute')
  t.type(self.default, 'function', 'the package imports by its own name')
  t.type(self.httpOperator, 'function')
  t.type(self.localOperator, 'function')
  t.type(self.personalSignVerifier, 'function')
})

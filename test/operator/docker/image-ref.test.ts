import t from 'tap'
import { allowedReference, formatReference, parseReference, requestedReference } from '../../../lib/operator/docker/image-ref.js'

const A = 'sha256:' + 'a'.repeat(64)
const B = 'sha256:' + 'b'.repeat(64)

t.test('references parse by the Docker grammar, and nothing else does', async t => {
  const good: Array<[string, object]> = [
    ['python', { name: 'python' }],
    ['python:3.12-slim', { name: 'python', tag: '3.12-slim' }],
    ['localhost:5000/team/algo', { name: 'localhost:5000/team/algo' }],
    ['localhost:5000/team/algo:v1', { name: 'localhost:5000/team/algo', tag: 'v1' }],
    [`docker.io/library/node@${A}`, { name: 'docker.io/library/node', digest: A }],
    [`node:20@${A}`, { name: 'node', tag: '20', digest: A }],
    ['[::1]:5000/a__b/c-d.e', { name: '[::1]:5000/a__b/c-d.e' }],
    [`node@sha512:${'f'.repeat(128)}`, { name: 'node', digest: `sha512:${'f'.repeat(128)}` }]
  ]
  for (const [text, ref] of good) {
    t.same(parseReference(text), ref, text)
    t.equal(formatReference(parseReference(text)!), text, `${text} written back`)
  }
  const bad = ['', 'Python', 'python:', 'python:-x', `python:${'x'.repeat(129)}`, 'python@sha256:abc', `python@SHA256:${'a'.repeat(64)}`,
    `python@sha256:${'A'.repeat(64)}`, `python@md5:${'a'.repeat(32)}`, 'a//b', 'a/', '/a', 'a..b', '-a', `${'a'.repeat(256)}`, 'python:3 ', 'py thon']
  for (const text of bad) t.equal(parseReference(text), undefined, JSON.stringify(text))
})

t.test('a request is a name and a tag or a digest: nothing smuggled in the tag or the image', async t => {
  t.same(requestedReference('node', undefined), { name: 'node', tag: 'latest' })
  t.same(requestedReference('node', ''), { name: 'node', tag: 'latest' })
  t.same(requestedReference('node', '20'), { name: 'node', tag: '20' })
  t.same(requestedReference('node', A), { name: 'node', digest: A }, 'Ocean sends a digest in the tag')
  for (const [image, tag] of [['node', `20@${A}`], ['node', 'sha256:abc'], ['node:20', undefined], [`node@${A}`, ''], ['Node', '20'], ['node', '20 ']]) {
    t.equal(requestedReference(image!, tag), undefined, `${image} ${tag}`)
  }
})

t.test('the allow-list decides what runs: digests only where pinned, tags by entry or bare name', async t => {
  const list = ['python', 'node:20', `node:22@${A}`, `busybox@${B}`].map(entry => parseReference(entry)!)
  const run = (image: string, tag?: string) => {
    const allowed = allowedReference(requestedReference(image, tag)!, list)
    return allowed === undefined ? undefined : formatReference(allowed)
  }
  t.equal(run('python', '3'), 'python:3', 'a bare name allows any tag')
  t.equal(run('python', A), undefined, 'but no digest: the daemon would run whatever image has it')
  t.equal(run('node', '20'), 'node:20')
  t.equal(run('node', '18'), undefined)
  t.equal(run('node', '22'), `node@${A}`, 'a tag pinned to a digest runs the digest')
  t.equal(run('node', A), `node@${A}`, 'a pinned digest runs when asked for by digest')
  t.equal(run('node', B), undefined, 'another digest does not')
  t.equal(run('busybox', B), `busybox@${B}`)
  t.equal(run('busybox', 'latest'), undefined, 'a name pinned only by digest allows no tag')
  t.equal(run('ruby', '3'), undefined)
})

import t from 'tap'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import compute, { memoryNonceStore } from '../lib/index.js'
import { redactUrl } from '../lib/log.js'
import { MemoryOperator } from './helpers/memory-operator.js'
import { alice, bob, sign } from './helpers/sign.js'

function capture () {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  return { lines, stream }
}

t.test('no log line of the compute routes holds a signature, whatever the outcome', async t => {
  const { lines, stream } = capture()
  const app = Fastify({ logger: { level: 'trace', stream } })
  app.get('/host', async () => 'ok')
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator(), nonceStore: memoryNonceStore() })
  const good = await sign(alice)
  const forged = await sign(bob, { consumerAddress: alice.address })
  const url = '/api/v1/services/compute'
  await app.inject({ method: 'GET', url, query: { consumerAddress: alice.address, signature: good } })
  await app.inject({ method: 'PUT', url, query: { consumerAddress: alice.address, signature: forged, nonce: '1' } })
  await app.inject({ method: 'POST', url, query: { consumerAddress: 'bad', signature: good } })
  await app.inject({ method: 'DELETE', url, payload: { consumerAddress: alice.address, signature: good } })
  await app.inject({ method: 'GET', url: '/api/v1/services/computeResult', query: { consumerAddress: alice.address, jobId: 'j', index: '0', signature: good } })
  await app.inject({ method: 'GET', url: '/host?signature=host-owned' })
  const log = lines.join('')
  for (const signature of [good, forged]) {
    t.notOk(log.includes(signature.slice(2, 40)), 'the signature never appears')
  }
  t.match(log, /"url":"\/api\/v1\/services\/compute\?consumerAddress=0x[0-9a-fA-F]{40}&signature=\[redacted\]"/, 'the request is still logged')
  t.match(log, /"url":"\/host\?signature=host-owned"/, 'the host\'s own routes log as before')
})

t.test('redactUrl replaces every signature value and leaves the rest', async t => {
  t.equal(redactUrl('/compute?signature=0xabc&consumerAddress=0x1&Signature=0xdef'), '/compute?signature=[redacted]&consumerAddress=0x1&Signature=[redacted]')
  t.equal(redactUrl('/compute?providerSignature=0x1'), '/compute?providerSignature=[redacted]')
  t.equal(redactUrl('/compute?consumerAddress=0x1&jobId=j'), '/compute?consumerAddress=0x1&jobId=j')
  t.equal(redactUrl('/compute'), '/compute')
  // A fragment is no end of a value here: what follows the `=` is redacted to the next `&`.
  t.equal(redactUrl('/compute?signature=0xabc#x&a=1'), '/compute?signature=[redacted]&a=1')
})

t.test('keys are redacted by what they decode to, however they are spelled', async t => {
  const spellings = ['%73ignature', 'sig%6Eature', 'SIG%6eATURE', 'signature[]', 'signature+', '+signature', 'sig%2Bnature',
    '%2573ignature', 'provider%53ignature', 'sig%nature', 'signature%00', '%EF%BB%BFsignature']
  for (const key of spellings) {
    t.equal(redactUrl(`/compute?a=1&${key}=0xsecret&b=2`), `/compute?a=1&${key}=[redacted]&b=2`, key)
  }
  t.equal(redactUrl('/compute?signature=0x1&signature=0x2'), '/compute?signature=[redacted]&signature=[redacted]', 'a duplicated key')
  t.equal(redactUrl('/compute?signature'), '/compute?signature=[redacted]', 'a key without a value')
})

t.test('a signature sent under an encoded key reaches the route but not the log', async t => {
  const { lines, stream } = capture()
  const app = Fastify({ logger: { level: 'trace', stream } })
  // Signed status only: a 200 shows the route took the encoded key as the signature.
  await app.register(compute, { prefix: '/api/v1/services', operator: new MemoryOperator(), requireSignedStatus: true })
  const good = await sign(alice)
  for (const key of ['%73ignature', 'sig%6Eature', 'SIGNATURE'.toLowerCase().replace('g', '%67')]) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/services/compute?consumerAddress=${alice.address}&${key}=${good}` })
    t.equal(res.statusCode, 200, `${key} is read as the signature`)
  }
  const unsigned = await app.inject({ method: 'GET', url: `/api/v1/services/compute?consumerAddress=${alice.address}&signatur=0x00` })
  t.equal(unsigned.statusCode, 401, 'a key that is not the signature is not read as one')
  const log = lines.join('')
  t.match(log, /%73ignature=\[redacted\]/, 'the request is still logged')
  t.notOk(log.includes(good.slice(2, 40)), 'the signature never appears')
})

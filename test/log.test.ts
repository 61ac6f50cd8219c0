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
  t.equal(redactUrl('/compute?signature=0xabc&consumerAddress=0x1&Signature=0xdef#x'), '/compute?signature=[redacted]&consumerAddress=0x1&Signature=[redacted]#x')
  t.equal(redactUrl('/compute?providerSignature=0x1'), '/compute?providerSignature=[redacted]')
  t.equal(redactUrl('/compute?mysignature=keep'), '/compute?mysignature=keep')
})

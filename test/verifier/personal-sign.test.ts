import t, { type Test } from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import compute from '../../lib/index.js'
import {
  defaultCheckSignature, personalSignVerifier, recoverPersonalSign, type PersonalSignVerifierOptions
} from '../../lib/verifier/personal-sign.js'
import { recoveryBackend, type RecoveryBackend } from '../../lib/verifier/recover.js'
import type { ComputeAction, SignedParams, VerifyInput } from '../../lib/verifier/types.js'
import { MemoryOperator } from '../helpers/memory-operator.js'
import { alice, bob, sign } from '../helpers/sign.js'

const input = (params: SignedParams, action: ComputeAction = 'status'): VerifyInput =>
  ({ action, params, request: {} as FastifyRequest })

// personal-sign.ts over a recovery that counts its calls, to see what the cache spares.
async function counted (t: Test, options: PersonalSignVerifierOptions) {
  const real = recoveryBackend()
  const counter = { recoveries: 0 }
  const backend: RecoveryBackend = {
    name: real.name,
    async recover (message, signature) { counter.recoveries++; return await real.recover(message, signature) }
  }
  const mod = await t.mockImport<typeof import('../../lib/verifier/personal-sign.js')>(
    '../../lib/verifier/personal-sign.js', { '../../lib/verifier/recover.js': { recoveryBackend: () => backend } })
  return { verifier: mod.personalSignVerifier(options), counter }
}

t.test('the default verifier answers the claimed address when it signed the spec message', async t => {
  const verifier = personalSignVerifier()
  const signature = await sign(alice, { jobId: 'j1', documentId: 'd1' })
  t.equal(await verifier.verify(input({ consumerAddress: alice.address, jobId: 'j1', documentId: 'd1', signature })), alice.address)
  const lower = alice.address.toLowerCase()
  const signedLower = await sign(alice, { consumerAddress: lower })
  t.equal(await verifier.verify(input({ consumerAddress: lower, signature: signedLower })), lower, 'any case, as received')
  t.equal(await verifier.verify(input({ consumerAddress: bob.address, jobId: 'j1', documentId: 'd1', signature })), undefined, 'not for another address')
  t.equal(await verifier.verify(input({ consumerAddress: alice.address, jobId: 'j2', documentId: 'd1', signature })), undefined, 'not for another job')
  t.equal(await verifier.verify(input({ consumerAddress: alice.address })), undefined, 'no signature')
  t.equal(await verifier.verify(input({ consumerAddress: alice.address, signature: '' })), undefined, 'empty signature')
  t.equal(await verifier.verify(input({ consumerAddress: alice.address, signature: '0x1234' })), undefined, 'malformed signature')
})

t.test('recoverPersonalSign answers the checksummed signer; defaultCheckSignature compares ignoring case', async t => {
  const signature = await alice.signMessage({ message: '0xdeadbeef' })
  t.equal(await recoverPersonalSign('0xdeadbeef', signature), alice.address, 'hex-looking text is signed as text')
  t.equal(await recoverPersonalSign('0xdeadbeef', 'nope'), undefined)
  const check = { message: '0xdeadbeef', signature, input: input({ consumerAddress: alice.address }) }
  t.equal(await defaultCheckSignature({ ...check, address: alice.address.toUpperCase().replace('0X', '0x') }), true)
  t.equal(await defaultCheckSignature({ ...check, address: bob.address }), false)
})

t.test('a repeated signature is recovered once, and the claimed address is still checked every time', async t => {
  const { verifier, counter } = await counted(t, {})
  const signature = await sign(alice)
  for (let i = 0; i < 3; i++) t.equal(await verifier.verify(input({ consumerAddress: alice.address, signature })), alice.address)
  t.equal(counter.recoveries, 1)

  // With a message that leaves the address out, bob can present alice's (message, signature) pair:
  // the cached signer is alice, so bob is refused.
  const jobOnly = await counted(t, { buildMessage: ({ params }) => params.jobId ?? '', cacheSize: 10 })
  const signedJob = await alice.signMessage({ message: 'j1' })
  t.equal(await jobOnly.verifier.verify(input({ consumerAddress: alice.address, jobId: 'j1', signature: signedJob })), alice.address)
  t.equal(await jobOnly.verifier.verify(input({ consumerAddress: bob.address, jobId: 'j1', signature: signedJob })), undefined)
  t.equal(jobOnly.counter.recoveries, 1, 'the second answer came from the cache')
})

t.test('cacheSize 0, a custom message or a custom check run every recovery', async t => {
  const signature = await sign(alice)
  const params = { consumerAddress: alice.address, signature }
  for (const [name, options] of Object.entries<PersonalSignVerifierOptions>({
    'cacheSize 0': { cacheSize: 0 },
    // Such messages carry a nonce or a timestamp as a rule: caching them only churns.
    'a custom message': { buildMessage: ({ params }) => params.consumerAddress }
  })) {
    const { verifier, counter } = await counted(t, options)
    await verifier.verify(input(params))
    t.equal(await verifier.verify(input(params)), alice.address)
    t.equal(counter.recoveries, 2, name)
  }
  let checks = 0
  const custom = await counted(t, { checkSignature: () => { checks++; return true }, cacheSize: 10 })
  t.equal(await custom.verifier.verify(input({ consumerAddress: bob.address, signature: 'x' })), bob.address)
  t.equal(await custom.verifier.verify(input({ consumerAddress: bob.address, signature: 'x' })), bob.address)
  t.equal(custom.counter.recoveries, 0, 'a custom check is never cached')
  t.equal(checks, 2, 'the custom check ran for each request')
})

t.test('cacheSize must be a whole number of at least 0', async t => {
  for (const cacheSize of [-1, 1.5, Number.NaN, '10' as unknown as number]) {
    t.throws(() => personalSignVerifier({ cacheSize }), { code: 'FST_COMPUTE_INVALID_OPTION', message: /cacheSize/ }, String(cacheSize))
  }
})

t.test('the plugin logs the recovery backend at startup', async t => {
  const lines: Array<{ msg: string, backend?: string }> = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.register(compute, { operator: new MemoryOperator() })
  await app.ready()
  t.same(lines.filter(line => line.msg === 'personal_sign recovery backend').map(line => line.backend), [recoveryBackend().name])
  await app.close()
})

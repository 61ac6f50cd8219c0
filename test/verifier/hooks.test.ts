import t from 'tap'
import { build, COMPUTE_PATH } from '../helpers/build.js'
import { personalSignVerifier, defaultMessage } from '../../lib/index.js'
import { alice, bob, sign } from '../helpers/sign.js'

t.test('a host replaces how the message is built, and the default check still applies', async t => {
  const verifier = personalSignVerifier({ buildMessage: input => `ocean-compute:${input.action}:${defaultMessage(input)}` })
  const { app } = await build({ verifier })
  const query = { consumerAddress: alice.address, signature: await alice.signMessage({ message: `ocean-compute:stop:${alice.address}` }) }
  t.equal((await app.inject({ method: 'PUT', url: COMPUTE_PATH, query })).statusCode, 200)
  t.equal((await app.inject({ method: 'DELETE', url: COMPUTE_PATH, query })).statusCode, 401, 'signed for stop, not delete')
  t.equal((await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { ...query, signature: await sign(alice) } })).statusCode, 401, 'the plain message no longer passes')
})

t.test('a host replaces how a signature is checked, with the message and address it should check', async t => {
  const seen: Array<{ address: string, message: string, signature: string }> = []
  const verifier = personalSignVerifier({
    checkSignature: ({ address, message, signature }) => {
      seen.push({ address, message, signature })
      return signature === 'smart-account-ok'
    }
  })
  const { app } = await build({ verifier })
  const query = { consumerAddress: bob.address, jobId: 'j1', documentId: 'd1' }
  t.equal((await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { ...query, signature: 'smart-account-ok' } })).statusCode, 200)
  t.equal((await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { ...query, signature: 'nope' } })).statusCode, 401)
  t.same(seen[0], { address: bob.address, message: bob.address + 'j1d1', signature: 'smart-account-ok' })
})

t.test('a verifier never sees a request that failed validation', async t => {
  let called = 0
  const { app } = await build({ verifier: { verify: () => { called++; return undefined } } })
  const res = await app.inject({ method: 'PUT', url: COMPUTE_PATH, query: { consumerAddress: 'bad', signature: 'x' } })
  t.equal(res.statusCode, 400)
  t.equal(called, 0)
})

import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { memoryNonceStore, nodeVerifier, type NonceStore } from '../../lib/index.js'
import { alice, bob } from '../helpers/sign.js'
import { commandHash, nodeSign } from './helpers.js'

const request = { log: { error () {} } } as unknown as FastifyRequest
const COMMAND = 'freeStartCompute'

function input (params: Record<string, unknown>) {
  return { action: 'start' as const, request, params: { consumerAddress: alice.address, command: COMMAND, ...params } }
}

t.test('accepts the raw hash as ocean.js signs it, all 32 bytes, and the hex text, each nonce once', async t => {
  const store = memoryNonceStore()
  const verifier = nodeVerifier(store)
  t.equal(await verifier.verify(input({ nonce: '1', signature: await nodeSign(alice, 1, COMMAND, 'bytes') })), alice.address)
  t.equal(await verifier.verify(input({ nonce: '2', signature: await nodeSign(alice, 2, COMMAND, 'hex') })), alice.address)
  t.equal(await store.get(alice.address.toLowerCase()), '2', 'the sent nonce is stored')
  const replay = input({ nonce: '2', signature: await nodeSign(alice, 2, COMMAND, 'hex') })
  await t.rejects(async () => await verifier.verify(replay), { statusCode: 401, message: 'nonce: 2 is not a valid nonce' })
  await t.rejects(async () => await verifier.verify(input({ nonce: '1', signature: await nodeSign(alice, 1, COMMAND) })),
    { statusCode: 401, message: 'nonce: 1 is not a valid nonce' }, 'a nonce below the stored one')
  t.equal(await verifier.verify(input({ nonce: '10', signature: await nodeSign(alice, 10, COMMAND) })), alice.address, 'a jump ahead is fine')
})

t.test('a hash with a leading zero byte: ocean.js signs 31 bytes, other signers all 32; both pass', async t => {
  let nonce = 1
  while (commandHash(alice.address + String(nonce) + COMMAND)[0] !== 0) nonce++
  const verifier = nodeVerifier(memoryNonceStore())
  t.equal(await verifier.verify(input({ nonce: String(nonce), signature: await nodeSign(alice, nonce, COMMAND, 'bytes') })), alice.address)
  t.equal(await verifier.verify(input({ nonce: String(nonce + 1), signature: await nodeSign(alice, nonce + 1, COMMAND, 'full') })), alice.address)
  let zero = nonce + 2
  while (commandHash(alice.address + String(zero) + COMMAND)[0] !== 0) zero++
  t.equal(await verifier.verify(input({ nonce: String(zero), signature: await nodeSign(alice, zero, COMMAND, 'full') })), alice.address)
})

t.test('refuses another signer, another command, another address form, and leaves the nonce where it was', async t => {
  const store = memoryNonceStore()
  const verifier = nodeVerifier(store)
  t.equal(await verifier.verify(input({ nonce: '1', signature: await nodeSign(bob, 1, COMMAND, 'bytes', alice.address) })), undefined, 'bob signs alice\'s message')
  t.equal(await verifier.verify(input({ nonce: '1', signature: await nodeSign(alice, 1, 'stopCompute') })), undefined, 'signed for another command')
  t.equal(await verifier.verify(input({ consumerAddress: alice.address.toLowerCase(), nonce: '1', signature: await nodeSign(alice, 1, COMMAND) })), undefined,
    'the address is signed as sent: a checksummed signature does not pass for the lower-case address')
  t.equal(await verifier.verify(input({ nonce: '1', signature: '0x1234' })), undefined, 'a malformed signature')
  t.equal(await verifier.verify(input({ nonce: '1' })), undefined, 'no signature')
  t.equal(await verifier.verify(input({ signature: await nodeSign(alice, 1, COMMAND) })), undefined, 'no nonce')
  await t.rejects(async () => await verifier.verify(input({ nonce: '-1', signature: await nodeSign(alice, -1, COMMAND) })),
    { statusCode: 401, message: 'nonce: -1 is not a valid nonce' })
  t.equal(await store.get(alice.address.toLowerCase()), '0')
})

t.test('of two requests with one nonce, one passes: the store decides', async t => {
  const store = memoryNonceStore()
  const verifier = nodeVerifier(store)
  const signature = await nodeSign(alice, 1, COMMAND)
  const results = await Promise.allSettled([verifier.verify(input({ nonce: '1', signature })), verifier.verify(input({ nonce: '1', signature }))])
  t.same(results.map(r => r.status).sort(), ['fulfilled', 'rejected'])
})

t.test('a store that fails is a 503; a custom check replaces the signature check', async t => {
  const broken: NonceStore = { get: () => '0', advance: () => { throw new Error('redis down at 10.0.0.5') } }
  await t.rejects(async () => await nodeVerifier(broken).verify(input({ nonce: '1', signature: await nodeSign(alice, 1, COMMAND) })),
    { statusCode: 503, message: 'The nonce store could not be reached.' })
  const seen: unknown[] = []
  const custom = nodeVerifier(memoryNonceStore(), { checkSignature: check => { seen.push(check); return true } })
  t.equal(await custom.verify(input({ nonce: '7', signature: '0xabc' })), alice.address)
  t.same(seen, [{ address: alice.address, message: alice.address + '7' + COMMAND, signature: '0xabc' }])
})

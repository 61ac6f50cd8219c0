import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { NonceStore } from '../../lib/index.js'

const freshAddress = () => '0x' + randomBytes(20).toString('hex')

/** What every NonceStore must do, whatever keeps the nonces: exact, greater-only, atomic, per address. */
export async function checkNonceStore (t: Test, store: NonceStore): Promise<void> {
  const address = freshAddress()
  t.equal(await store.get(address), '0', 'an address starts at 0')
  t.equal(await store.advance(address, '1'), true)
  t.equal(await store.get(address), '1')
  t.equal(await store.advance(address, '1'), false, 'an equal nonce is refused')
  t.equal(await store.advance(address, '0.5'), false, 'a smaller one too')
  t.equal(await store.advance(address, '9007199254740992'), true)
  t.equal(await store.advance(address, '9007199254740993'), true, '2^53 + 1 is greater than 2^53')
  t.equal(await store.get(address), '9007199254740993', 'and kept exactly')
  t.equal(await store.advance(address, '9007199254740992.99'), false)
  t.equal(await store.advance(address, '9007199254740993.5'), true)
  t.equal(await store.advance(address, '9007199254740993.25'), false, '.25 is less than .5')
  t.equal(await store.advance(address, '9007199254740993.55'), true)
  t.equal(await store.get(address), '9007199254740993.55')
  t.equal(await store.advance(address, '100000000000000000000000000000'), true, 'thirty digits')
  t.equal(await store.advance(address, '99999999999999999999999999999.9'), false, 'fewer whole digits is less')
  t.equal(await store.get(address), '100000000000000000000000000000')
  t.equal(await store.get(freshAddress()), '0', 'each address has its own')

  const raced = freshAddress()
  const answers = await Promise.all(Array.from({ length: 100 }, async () => await store.advance(raced, '7')))
  t.equal(answers.filter(Boolean).length, 1, 'of 100 concurrent advances to the same nonce exactly one succeeds')
  t.equal(await store.get(raced), '7')
}

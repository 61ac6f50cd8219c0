import t from 'tap'
import { memoryNonceStore } from '../../../lib/index.js'
import { checkNonceStore } from '../../helpers/nonce-store-contract.js'

t.test('memoryNonceStore keeps nonces exactly, advances only to greater ones, atomically', async t => {
  await checkNonceStore(t, memoryNonceStore())
})

t.test('two memory stores share nothing: one per process is the limit', async t => {
  const [one, two] = [memoryNonceStore(), memoryNonceStore()]
  t.equal(await one.advance('0xabc', '5'), true)
  t.equal(await two.get('0xabc'), '0')
})

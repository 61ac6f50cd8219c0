import t from 'tap'
import fc from 'fast-check'
import { nextNonce, nonceGreater, parseNonce } from '../../lib/verifier/nonce-value.js'

t.test('parseNonce answers canonical decimal text, and undefined for anything else', async t => {
  t.equal(parseNonce('0'), '0')
  t.equal(parseNonce('007'), '7', 'leading zeros go')
  t.equal(parseNonce('000'), '0')
  t.equal(parseNonce('1700000000000.1230'), '1700000000000.123', 'trailing zeros after the point go')
  t.equal(parseNonce('5.000'), '5')
  t.equal(parseNonce('0.5'), '0.5')
  t.equal(parseNonce('9007199254740993'), '9007199254740993', 'past 2^53, every digit')
  for (const bad of ['', '1e3', '-1', '+1', '0x10', '1.', '.5', ' 1', '1 ', 'NaN', 'Infinity', '１']) t.equal(parseNonce(bad), undefined, JSON.stringify(bad))
  t.equal(parseNonce(5), undefined, 'only text')
})

t.test('nextNonce adds one exactly', async t => {
  t.equal(nextNonce('0'), '1')
  t.equal(nextNonce('9007199254740992'), '9007199254740993')
  t.equal(nextNonce('99999999999999999999'), '100000000000000000000')
  t.equal(nextNonce('1700000000000.123'), '1700000000001.123')
})

// The reference: both nonces scaled to integers over the same number of decimals.
function scaled (a: string, b: string): [bigint, bigint] {
  const decimals = Math.max(...[a, b].map(n => (n.split('.')[1] ?? '').length))
  const toBig = (n: string) => {
    const [whole, fraction = ''] = n.split('.')
    return BigInt(whole! + fraction.padEnd(decimals, '0'))
  }
  return [toBig(a), toBig(b)]
}

t.test('nonceGreater compares canonical nonces as exact numbers', async t => {
  const nonce = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^\d{1,8}$/)))
    .map(([whole, fraction]) => parseNonce(fraction === null ? String(whole) : `${whole}.${fraction}`)!)
  fc.assert(fc.property(nonce, nonce, (a, b) => {
    const [x, y] = scaled(a, b)
    return nonceGreater(a, b) === (x > y)
  }), { numRuns: 2000 })
  t.equal(nonceGreater('10', '9.99'), true)
  t.equal(nonceGreater('1.5', '1.25'), true)
  t.equal(nonceGreater('1.25', '1.25'), false)
})

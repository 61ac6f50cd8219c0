import t from 'tap'
import { cachedRecover } from '../../lib/verifier/cache.js'

const sig = (n: number) => '0x' + n.toString(16).padStart(130, '0')

// A stand-in recovery that names a signer per (message, signature) and counts its calls.
function counting () {
  const calls: string[] = []
  const recover = async (message: string, signature: string) => {
    calls.push(message)
    return message === 'unrecoverable' ? undefined : `signer of ${message}/${signature}`
  }
  return { calls, recover }
}

t.test('recovers once per (message, signature) and answers the same from the cache', async t => {
  const { calls, recover } = counting()
  const cached = cachedRecover(recover, 10)
  t.equal(await cached('m', sig(1)), `signer of m/${sig(1)}`)
  t.equal(await cached('m', sig(1)), `signer of m/${sig(1)}`)
  t.equal(await cached('m', sig(2)), `signer of m/${sig(2)}`, 'another signature is another entry')
  t.equal(await cached('n', sig(1)), `signer of n/${sig(1)}`, 'another message is another entry')
  t.same(calls, ['m', 'm', 'n'])
})

t.test('keeps the last `size` entries used, evicting the least recently used', async t => {
  const { calls, recover } = counting()
  const cached = cachedRecover(recover, 2)
  await cached('a', sig(1))
  await cached('b', sig(1))
  await cached('a', sig(1)) // a is now the most recent
  await cached('c', sig(1)) // evicts b
  calls.length = 0
  await cached('a', sig(1))
  await cached('c', sig(1))
  t.same(calls, [], 'a and c stayed')
  await cached('b', sig(1))
  t.same(calls, ['b'], 'b was evicted')
})

t.test('never caches a failed recovery, nor looks up a signature of the wrong length', async t => {
  const { calls, recover } = counting()
  const cached = cachedRecover(recover, 10)
  t.equal(await cached('unrecoverable', sig(1)), undefined)
  t.equal(await cached('unrecoverable', sig(1)), undefined)
  t.equal(calls.length, 2)

  // sig(1) + 'xyz' as a "signature" with message 'abc' would spell the key of
  // (sig(1), 'xyzabc') if keys were only the concatenation.
  await cached('xyzabc', sig(1))
  calls.length = 0
  t.equal(await cached('abc', sig(1) + 'xyz'), `signer of abc/${sig(1)}xyz`)
  t.same(calls, ['abc'], 'went to recovery, which refuses such a signature')
})

import t from 'tap'
import fc from 'fast-check'
import { bytesToHex, numberToHex, type Hex } from 'viem'
import { privateKeyToAddress, signMessage } from 'viem/accounts'
import { recoveryBackend, selectBackend, viemBackend } from '../../lib/verifier/recover.js'
import { alice } from '../helpers/sign.js'

// A few hundred cases keep CI under ten seconds; RECOVER_RUNS=20000 for a long run.
const numRuns = Number(process.env.RECOVER_RUNS ?? 300)
// All CPU: on a busy 2-core machine the cases took 60 s, tap's limit for a file, and the
// verdict was the machine's speed. The cases, not a time, decide.
t.setTimeout(600_000)

// The order of secp256k1's group: r and s must lie in [1, n).
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

const native = recoveryBackend()

const word = (value: bigint) => numberToHex(value, { size: 32 }).slice(2)
const vByte = (v: number) => v.toString(16).padStart(2, '0')

interface Parts { r: bigint, s: bigint, v: number }
function parts (signature: Hex): Parts {
  return { r: BigInt('0x' + signature.slice(2, 66)), s: BigInt('0x' + signature.slice(66, 130)), v: parseInt(signature.slice(130), 16) }
}
const serialize = ({ r, s, v }: Parts): string => '0x' + word(r) + word(s) + vByte(v)

const privateKey = fc.bigInt(1n, N - 1n).map(key => numberToHex(key, { size: 32 }))

// Text of every kind a client may sign: plain, hex-looking (still signed as text),
// any Unicode including emoji and lone surrogates, and the empty string.
const message = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 40 }).map(bytes => bytesToHex(bytes)),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '🦊 ocean', 'Ωmega 0x', '0x')
)

// What both backends answer; throws (and fast-check shrinks) when they differ.
async function agree (message: string, signature: string): Promise<string | undefined> {
  const [fromNative, fromViem] = await Promise.all([native.recover(message, signature), viemBackend.recover(message, signature)])
  if (fromNative !== fromViem) throw new Error(`native answered ${fromNative}, viem ${fromViem}`)
  return fromNative
}

t.test('native is the backend where the optional secp256k1 loads, viem where it does not', async t => {
  t.equal(native.name, 'native')
  t.equal(recoveryBackend(), native, 'chosen once')
  t.equal(selectBackend(() => { throw new Error('Cannot find module') }), viemBackend)
})

t.test('both backends recover the signer of any message, with v as 27/28 or 0/1', async t => {
  await fc.assert(fc.asyncProperty(privateKey, message, fc.boolean(), async (key, text, yParity) => {
    const signature = parts(await signMessage({ message: text, privateKey: key }))
    const signer = privateKeyToAddress(key).toLowerCase()
    const v = yParity ? signature.v - 27 : signature.v
    return await agree(text, serialize({ ...signature, v })) === signer
  }), { numRuns })
})

t.test('both backends accept high-s signatures and agree on whom they name', async t => {
  await fc.assert(fc.asyncProperty(privateKey, message, async (key, text) => {
    const { r, s, v } = parts(await signMessage({ message: text, privateKey: key }))
    // (r, n - s) with the other recovery id (27 <-> 28) is the same signature, malleated.
    const malleated = await agree(text, serialize({ r, s: N - s, v: 55 - v }))
    // With the same recovery id it names some other key, the same one on both sides.
    await agree(text, serialize({ r, s: N - s, v }))
    return malleated === privateKeyToAddress(key).toLowerCase()
  }), { numRuns })
})

t.test('both backends refuse malformed signatures alike', async t => {
  const valid = await alice.signMessage({ message: 'hello' })
  const good = parts(valid)
  const scalar = fc.bigInt(0n, 2n ** 256n - 1n)
  const malformed = fc.oneof(
    // Wrong length, in hex and in characters.
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 140 }).map(hex => '0x' + hex),
    fc.nat({ max: 131 }).map(end => valid.slice(0, end)),
    fc.nat({ max: 4 }).map(extra => valid + '0'.repeat(extra * 2)),
    // Not hex, or no 0x.
    fc.tuple(fc.nat({ max: 131 }), fc.constantFrom('g', 'x', ' ', 'é', 'Z')).map(([at, char]) => valid.slice(0, at) + char + valid.slice(at + 1)),
    fc.constant(valid.slice(2) + '00'),
    // Any v byte, including 2, 3 (recovery ids viem does not take) and 5.
    fc.nat({ max: 255 }).map(v => serialize({ ...good, v })),
    // r and s at zero, at n and beyond, or anywhere at all (r need not be a curve x).
    fc.tuple(fc.constantFrom(0n, N, N + 1n, 2n ** 256n - 1n), fc.boolean()).map(([x, isR]) => serialize(isR ? { ...good, r: x } : { ...good, s: x })),
    fc.tuple(scalar, scalar, fc.constantFrom(0, 1, 27, 28)).map(([r, s, v]) => serialize({ r, s, v }))
  )
  await fc.assert(fc.asyncProperty(message, malformed, async (text, signature) => {
    await agree(text, signature)
  }), { numRuns })
  t.equal(await agree('hello', serialize({ ...good, v: 5 })), undefined, 'v = 5')
  t.equal(await agree('hello', serialize({ ...good, r: 0n })), undefined, 'r = 0')
  t.equal(await agree('hello', serialize({ ...good, s: N })), undefined, 's = n')
  t.equal(await agree('hello', valid.toUpperCase().replace('0X', '0x')), alice.address.toLowerCase(), 'hex digits in any case')
})

import { createRequire } from 'node:module'
import { hashMessage, keccak256 } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { nativeBackend, personalSignDigest, viemBackend } from '../lib/verifier/recover.js'

// npx tsx bench/signed.ts
//
// Where a signed request's recovery goes, step by step, in this process: the fastest of
// 30 batches of 300 calls each (after a warm-up), in µs per call. The whole recoveries
// are the plugin's two backends and, for comparison, the native one as it once hashed
// (viem's hashMessage and keccak256 around the same libsecp256k1 call).
type Secp256k1 = typeof import('secp256k1')
const secp256k1 = createRequire(import.meta.url)('secp256k1/bindings.js') as Secp256k1

const account = privateKeyToAccount(keccak256(new TextEncoder().encode('fastify-ocean-compute bench')))
// What a signed status signs: consumerAddress + documentId.
const message = account.address + 'did:op:' + 'a'.repeat(64)
const signature = await account.signMessage({ message })
const bytes = Buffer.from(signature.slice(2), 'hex')
const recoveryId = bytes[64]! - 27
const digest = personalSignDigest(message)
const publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), recoveryId, digest, false)
const native = nativeBackend(secp256k1)

function viemHashedRecovery (): string {
  const key = secp256k1.ecdsaRecover(bytes.subarray(0, 64), recoveryId, hashMessage(message, 'bytes'), false)
  return '0x' + Buffer.from(keccak256(key.subarray(1), 'bytes').subarray(12)).toString('hex')
}

const steps: Record<string, () => unknown> = {
  'native recovery (the plugin)': async () => await native.recover(message, signature),
  'native recovery, hashed by viem (before)': viemHashedRecovery,
  'viem recovery (no secp256k1)': async () => await viemBackend.recover(message, signature),
  '  ecdsaRecover (libsecp256k1)': () => secp256k1.ecdsaRecover(bytes.subarray(0, 64), recoveryId, digest, false),
  '  message digest, js-sha3': () => personalSignDigest(message),
  '  message digest, viem hashMessage': () => hashMessage(message, 'bytes'),
  '  one keccak block, js-sha3 (the digest of an empty message)': () => personalSignDigest(''),
  '  public key hash, viem keccak256': () => keccak256(publicKey.subarray(1), 'bytes'),
  '  signature hex to bytes': () => Buffer.from(signature.slice(2), 'hex')
}

async function perCall (step: () => unknown, calls: number): Promise<number> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) await step()
  return Number(process.hrtime.bigint() - start) / calls / 1000
}

console.log(`node ${process.version}; µs per call, fastest of 30 batches\n`)
for (const [name, step] of Object.entries(steps)) {
  const calls = name.startsWith('viem recovery') ? 20 : 300
  for (let i = 0; i < 3; i++) await perCall(step, calls)
  let best = Infinity
  for (let i = 0; i < 30; i++) best = Math.min(best, await perCall(step, calls))
  console.log(`${best.toFixed(1).padStart(8)}  ${name}`)
}

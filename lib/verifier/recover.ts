import { createRequire } from 'node:module'
import sha3 from 'js-sha3'
import { recoverMessageAddress, type Hex } from 'viem'
import { channels, clockFor, since, type SignatureMessage } from '../channels.js'

type Secp256k1 = typeof import('secp256k1')

/**
 * Recovers who personal_sign-ed a message (EIP-191, the message as UTF-8 text even
 * when it looks like hex; bytes as they are). Answers the signer's address in lower case,
 * or undefined for a malformed or unrecoverable signature. Every backend answers the same
 * for every input.
 */
export interface RecoveryBackend {
  readonly name: 'native' | 'viem'
  recover (message: string | Uint8Array, signature: string): Promise<string | undefined>
}

// 65 bytes: r, s and v. Anything else is refused before any curve arithmetic.
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/

// The recovery id for each `v` viem accepts; any other `v` is refused, as viem does.
const RECOVERY_ID: ReadonlyMap<number, number> = new Map([[0, 0], [1, 1], [27, 0], [28, 1]])

function backend (name: RecoveryBackend['name'], recover: (message: string | Uint8Array, signature: Hex) => string | Promise<string>): RecoveryBackend {
  return {
    name,
    async recover (message, signature) {
      if (!SIGNATURE.test(signature)) return undefined
      const began = clockFor(channels.signature)
      let signer: string | undefined
      try {
        signer = await recover(message, signature as Hex)
      } catch {}
      if (began !== undefined) channels.signature.publish({ backend: name, recovered: signer !== undefined, duration: since(began) } satisfies SignatureMessage)
      return signer
    }
  }
}

/** viem's pure-JS recovery: always there, and slow (`npm run bench -- --scenario status-signed`). */
export const viemBackend = backend('viem', async (message, signature) =>
  (await recoverMessageAddress({ message: typeof message === 'string' ? message : { raw: message }, signature })).toLowerCase())

// keccak-256 with js-sha3, and the prefixed message built in one Buffer: several times
// faster than viem's keccak256 (@noble/hashes) and its hashMessage, which goes through hex
// strings (`npx tsx bench/signed.ts` times each step).
function keccak (data: Uint8Array): Uint8Array {
  return new Uint8Array(sha3.keccak256.arrayBuffer(data))
}

/**
 * The EIP-191 personal_sign digest of `message` as UTF-8 text: keccak-256 of
 * "\x19Ethereum Signed Message:\n", the message's length in bytes, and the message.
 * The prefix is ASCII, so one UTF-8 encoding of the whole is those bytes in a row (a lone
 * surrogate becomes U+FFFD in both, as in viem's TextEncoder). Bytes are signed as they are.
 */
export function personalSignDigest (message: string | Uint8Array): Uint8Array {
  if (typeof message !== 'string') return keccak(Buffer.concat([Buffer.from(`\x19Ethereum Signed Message:\n${message.length}`), message]))
  return keccak(Buffer.from(`\x19Ethereum Signed Message:\n${Buffer.byteLength(message, 'utf8')}${message}`, 'utf8'))
}

/**
 * libsecp256k1 through the `secp256k1` binding, much faster than viem (`npm run bench -- --scenario status-signed`).
 * The hashing is the same as viem's, in faster code (a property test compares the two
 * backends on any message). Like viem it accepts high-s signatures: libsecp256k1 checks
 * low s when it verifies, not when it recovers, so s is left as sent.
 */
export function nativeBackend (secp256k1: Secp256k1): RecoveryBackend {
  return backend('native', (message, signature) => {
    const bytes = Buffer.from(signature.slice(2), 'hex')
    const recoveryId = RECOVERY_ID.get(bytes[64]!)
    if (recoveryId === undefined) throw new RangeError('v must be 0, 1, 27 or 28')
    const publicKey = secp256k1.ecdsaRecover(bytes.subarray(0, 64), recoveryId, personalSignDigest(message), false)
    // The address is the last 20 bytes of the hash of the key without its 0x04 prefix.
    return '0x' + Buffer.from(keccak(publicKey.subarray(1)).subarray(12)).toString('hex')
  })
}

// The binding itself, not the package's main module: that one falls back to the
// pure-JS `elliptic` when the native build does not load, which is slower than viem.
function loadNative (): Secp256k1 {
  return createRequire(import.meta.url)('secp256k1/bindings.js') as Secp256k1
}

/** The native backend when the optional `secp256k1` loads, viem otherwise. */
export function selectBackend (load: () => Secp256k1 = loadNative): RecoveryBackend {
  try {
    return nativeBackend(load())
  } catch {
    return viemBackend
  }
}

let chosen: RecoveryBackend | undefined

/** The process's backend, chosen on first use (the plugin asks at startup, to log it). */
export function recoveryBackend (): RecoveryBackend {
  chosen ??= selectBackend()
  return chosen
}

import secp256k1 from 'secp256k1'
import { bytesToHex, hashMessage, hexToBytes } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import type { ProviderAccount } from '../lib/index.js'

// A fixed key, for benches only.
const KEY = '0x6c875bfb4f247fcbcd37fd56f564fca0cfaf6458cd5e8878e9ef32ecdc1a0bd4'
const key = hexToBytes(KEY)

/**
 * The provider account both sides of the transport bench sign operator calls with.
 * It signs with libsecp256k1 (~50 µs) rather than viem's JS (~300 µs), which would
 * drown what the transport itself costs; the signatures are the same.
 */
export const provider: ProviderAccount = {
  address: privateKeyToAddress(KEY),
  async signMessage ({ message }) {
    const { signature, recid } = secp256k1.ecdsaSign(hashMessage(message, 'bytes'), key)
    return bytesToHex(signature) + (27 + recid).toString(16)
  }
}

import sha3 from 'js-sha3'
import { recoveryBackend } from '../verifier/recover.js'

/** The message a current client signs: `address + nonce + command`, the address as it was sent. */
export function commandMessage (address: string, nonce: string, command: string): string {
  return address + nonce + command
}

/**
 * What a current client may have personal_sign-ed for `message`, h = keccak256(utf8(message)):
 * h's bytes as ethers' `toBeArray` gives them, leading zero bytes dropped (ocean.js 6 to 8
 * and ocean-node sign and check those), all 32 bytes when they differ (any other signer
 * of the raw hash), and h's hex text (which ocean-node accepts too).
 */
export function signedForms (message: string): Array<string | Uint8Array> {
  const hash = new Uint8Array(sha3.keccak256.arrayBuffer(Buffer.from(message, 'utf8')))
  let zeros = 0
  while (zeros < hash.length && hash[zeros] === 0) zeros++
  const forms: Array<string | Uint8Array> = [hash.subarray(zeros), '0x' + Buffer.from(hash).toString('hex')]
  if (zeros > 0) forms.push(hash)
  return forms
}

/** Whether `address` (any case) signed `message` in one of the current wire's forms. */
export async function signedByAddress (address: string, message: string, signature: string): Promise<boolean> {
  const expected = address.toLowerCase()
  const backend = recoveryBackend()
  for (const form of signedForms(message)) {
    if (await backend.recover(form, signature) === expected) return true
  }
  return false
}

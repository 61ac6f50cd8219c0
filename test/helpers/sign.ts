import { privateKeyToAccount } from 'viem/accounts'

// Fixed keys, so that failures are reproducible. Never used outside tests.
export const alice = privateKeyToAccount('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
export const bob = privateKeyToAccount('0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f')

/** personal_sign of the spec's message, `consumerAddress + jobId + documentId`. */
export async function sign (account = alice, { consumerAddress = account.address as string, jobId = '', documentId = '' } = {}): Promise<`0x${string}`> {
  return await account.signMessage({ message: consumerAddress + jobId + documentId })
}

export const DID = 'did:op:' + 'a'.repeat(64)

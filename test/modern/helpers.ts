import Fastify, { type FastifyInstance } from 'fastify'
import sha3 from 'js-sha3'
import type { PrivateKeyAccount } from 'viem/accounts'
import { oceanNodeCompute, type ComputeOperator, type OceanNodeComputeOptions } from '../../lib/index.js'
import { alice } from '../helpers/sign.js'

export const PREFIX = '/node'

type Test = { teardown: (fn: () => unknown) => void }

/** A provider with the current wire under PREFIX on `operator`, closed after the test. */
export async function nodeApp (t: Test, operator: ComputeOperator, options: Omit<OceanNodeComputeOptions, 'operator'> = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(oceanNodeCompute, { prefix: PREFIX, operator, ...options })
  t.teardown(async () => await app.close())
  return app
}

/** keccak256 of the message's UTF-8. */
export function commandHash (message: string): Uint8Array {
  return new Uint8Array(sha3.keccak256.arrayBuffer(Buffer.from(message, 'utf8')))
}

/**
 * A signature of `address + nonce + command` as a client makes it: `bytes` as ocean.js
 * (the hash's bytes without leading zero bytes, ethers' toBeArray), `full` (all 32),
 * `hex` (the hash's hex text, which ocean-node accepts).
 */
export async function nodeSign (account: PrivateKeyAccount, nonce: string | number, command: string, form: 'bytes' | 'full' | 'hex' = 'bytes', address: string = account.address): Promise<`0x${string}`> {
  const hash = commandHash(address + String(nonce) + command)
  if (form === 'hex') return await account.signMessage({ message: '0x' + Buffer.from(hash).toString('hex') })
  if (form === 'full') return await account.signMessage({ message: { raw: hash } })
  let zeros = 0
  while (hash[zeros] === 0) zeros++
  return await account.signMessage({ message: { raw: hash.subarray(zeros) } })
}

/** The stored nonce of `address` through GET nonce. */
export async function storedNonce (app: FastifyInstance, address: string = alice.address): Promise<number> {
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/nonce?userAddress=${address}` })
  return Number(res.json().nonce)
}

/** Signed parameters of the next request of `account` for `command`: the stored nonce + 1, as clients send it. */
export async function signedParams (app: FastifyInstance, command: string, account: PrivateKeyAccount = alice): Promise<{ consumerAddress: string, nonce: string, signature: string }> {
  const nonce = String(await storedNonce(app, account.address) + 1)
  return { consumerAddress: account.address, nonce, signature: await nodeSign(account, nonce, command) }
}

/** A free job of the local engine's kind: raw node code. */
export const ALGORITHM = { meta: { rawcode: 'console.log("hello")', container: { entrypoint: 'node $ALGO', image: 'node', tag: '20' } } }

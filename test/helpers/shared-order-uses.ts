import type { Test } from 'tap'
import { request } from 'undici'
import { spawnScript } from './process.js'
import { until } from './until.js'
import { accounts, deployOcean } from '../../examples/chain/contracts.js'

async function orderProcess (t: Test, env: Record<string, string>): Promise<string> {
  const child = spawnScript('test/helpers/order-process.ts', env)
  t.teardown(() => { child.kill('SIGKILL') })
  return await until(() => {
    if (child.exitCode !== null) throw new Error(`the order process exited: ${child.output()}`)
    return /listening (http:\/\/\S+)/.exec(child.output())?.[1]
  }, 'an order process to listen', 90_000, 50)
}

/**
 * Two provider processes, one store (`env` tells them where), one real order on the anvil
 * at `rpcUrl` and a limit of one job per order: 100 concurrent starts split between them.
 */
export async function checkOrderUsesBetweenProcesses (t: Test, rpcUrl: string, env: Record<string, string>): Promise<void> {
  const ocean = await deployOcean(rpcUrl)
  const datatoken = await ocean.datatoken()
  const txId = await ocean.order(datatoken, {})
  const origins = await Promise.all([orderProcess(t, { ...env, ORDER_RPC_URL: rpcUrl }), orderProcess(t, { ...env, ORDER_RPC_URL: rpcUrl })])
  const order = { txId, did: 'did:op:' + datatoken.slice(2), datatoken, serviceIndex: 1, consumer: accounts.consumer.address, cost: '1', timeout: 0 }
  const verdicts = await Promise.all(Array.from({ length: 100 }, async (_, i) => {
    const { statusCode, body } = await request(origins[i % 2]!, { method: 'POST', body: JSON.stringify(order) })
    return { statusCode, ...await body.json() as { valid?: boolean } }
  }))
  t.equal(verdicts.filter(verdict => verdict.statusCode === 200).length, 100, 'every start was answered')
  t.equal(verdicts.filter(verdict => verdict.valid === true).length, 1, 'of 100 concurrent starts with one order over two processes exactly one is valid')
}

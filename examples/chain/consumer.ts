// The example consumer's paid part, for a provider that checks orders on a chain (its root
// page names the chain's id, as `npm run example:chain`'s does): the consumer orders the
// dataset's and the algorithm's datatokens with real `startOrder` transactions from its key,
// and names them in the start (transferTxId, algorithmTransferTxId).
//
// Environment: NETWORK_URL (the chain's node, default http://127.0.0.1:8545, the example
// chain's), CONSUMER_PRIVATE_KEY (default: the example chain's consumer, anvil's account 2,
// who holds 100 of each datatoken).
import type { Account } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { datatokenOf } from '../terms/dids.js'
import { accounts, chainAt } from './contracts.js'

/** What the root page of a paid provider says (examples/chain/provider.ts). */
export interface PaidProvider { chainId: number, datasets: string[], algorithms: string[], jobsPerOrder: number | null }

/** The consumer's account: CONSUMER_PRIVATE_KEY, else the example chain's consumer. */
export function paidConsumer (env: NodeJS.ProcessEnv = process.env): Account {
  return env.CONSUMER_PRIVATE_KEY ? privateKeyToAccount(env.CONSUMER_PRIVATE_KEY as `0x${string}`) : accounts.consumer
}

/**
 * Orders one datatoken of the provider's first dataset and one of its first algorithm,
 * for service 1 of each (the dataset's compute service, the algorithm's access service,
 * as the example publishes them), each mined; the start's parameters that name them.
 */
export async function orderDatasetAndAlgorithm (info: PaidProvider, account: Account, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env) {
  const url = env.NETWORK_URL || 'http://127.0.0.1:8545'
  const [documentId] = info.datasets
  const [algorithmDid] = info.algorithms
  if (documentId === undefined || algorithmDid === undefined) throw new Error('the provider lists no published dataset and algorithm (npm run example:chain publishes them)')
  const node = await chainAt(url).catch(err => { throw new Error(`NETWORK_URL ${new URL(url).origin} did not answer: ${(err as Error).message.split('\n')[0]}`) })
  if (node.id !== info.chainId) throw new Error(`NETWORK_URL ${new URL(url).origin} is chain ${node.id}; the provider checks orders on chain ${info.chainId}`)
  const transferTxId = await node.order(datatokenOf(documentId), { from: account, serviceId: 1 })
  log(`ordered ${documentId}: 1 datatoken for service 1, transaction ${transferTxId}`)
  const algorithmTransferTxId = await node.order(datatokenOf(algorithmDid), { from: account, serviceId: 1 })
  log(`ordered ${algorithmDid} (the algorithm): 1 datatoken, transaction ${algorithmTransferTxId}`)
  return { documentId, serviceId: '1', transferTxId, algorithmDid, algorithmDataToken: datatokenOf(algorithmDid), algorithmTransferTxId }
}

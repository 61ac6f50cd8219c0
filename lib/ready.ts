import type { NonceStore } from './verifier/nonce.js'
import type { ResolvedOptions } from './options.js'
import type { OrderVerifier } from './terms/order-types.js'

/**
 * Awaits the operator's, the nonce store's and the terms' order verifier's `ready()`: one
 * that cannot work (an engine's unusable dataDir, a missing table) refuses to start, rather
 * than answer 503 to every request. An operator handed over in the options is closed then.
 */
export async function collaboratorsReady (options: Pick<ResolvedOptions, 'operator' | 'ownsOperator'>, nonceStore: NonceStore | undefined,
  orders?: OrderVerifier): Promise<void> {
  try {
    await options.operator.ready?.()
    await nonceStore?.ready?.()
    await orders?.ready?.()
  } catch (err) {
    if (options.ownsOperator) await options.operator.close?.()
    throw err
  }
}

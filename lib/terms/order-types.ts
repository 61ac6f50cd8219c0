/** An order to check against the chain (spec section 6.4): what the terms know of it. */
export interface OrderToCheck {
  /** The order transaction's hash: the request's transferTxId (or algorithmTransferTxId). */
  txId: string
  /** The asset's DID (`did:op:` + the datatoken address without 0x). */
  did: string
  /** The datatoken of the DID. */
  datatoken: `0x${string}`
  /** The service index the consumer asks for. */
  serviceIndex: number
  /** The address that signed the request (the verifier's). */
  consumer: `0x${string}`
  /** The service's `attributes.main.cost`, in datatokens, as the DDO writes it. */
  cost: string
  /** The service's `attributes.main.timeout` in seconds; 0: the order never expires. */
  timeout: number
}

/** What an order check concludes. `release` gives back a use taken for the job (the operator refused it). */
export type OrderVerdict = { valid: true, release?: () => Promise<void> } | { valid: false }

/**
 * Checks orders. Rejects (an error the plugin answers with 503) when the chain cannot be
 * asked; never resolves valid on a fault.
 */
export interface OrderVerifier {
  verify (order: OrderToCheck, ctx: { signal: AbortSignal }): Promise<OrderVerdict>
  /** Rejects when the verifier cannot work as configured (its order-use store's table is missing); the plugin awaits it at registration. */
  ready?(): Promise<void>
}

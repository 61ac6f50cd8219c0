import type { OrderUseStore } from './store.js'

interface Uses { taken: number, expiresAt: number }

/**
 * Order uses in this process's memory: atomic because JavaScript runs `take` in one
 * step. One process only. Expired orders are dropped when the map has doubled since
 * the last sweep, so it holds about twice the orders still valid.
 */
export function memoryOrderUses (): OrderUseStore {
  const uses = new Map<string, Uses>()
  let swept = 0
  function sweep (now: number) {
    if (uses.size < 2 * swept + 64) return
    for (const [order, { expiresAt }] of uses) if (expiresAt <= now) uses.delete(order)
    swept = uses.size
  }
  return {
    take (order, limit, expiresAt = Infinity) {
      const taken = uses.get(order)?.taken ?? 0
      if (taken >= limit) return false
      uses.set(order, { taken: taken + 1, expiresAt })
      sweep(Date.now())
      return true
    },
    release (order) {
      const current = uses.get(order)
      if (current !== undefined && current.taken > 0) current.taken--
    }
  }
}

import { TypeCompiler } from '@sinclair/typebox/compiler'
import { DDO, type Service } from '../../schemas/ddo.js'

// The DDO's schemas are in schemas/ddo.ts; here, what the terms do with them.
export type { DDO, Service, Privacy, TrustedAlgorithm } from '../../schemas/ddo.js'

const checker = TypeCompiler.Compile(DDO)

/** True when `value` is a DDO the terms can read. Resolvers written by hosts may return anything. */
export function isDdo (value: unknown): value is DDO {
  return checker.Check(value)
}

/** Where DDOs come from: the DDO of `did`, or undefined when there is none. Rejects on a fault (503). */
export type DdoResolver = (did: string, ctx: { signal: AbortSignal }) => Promise<DDO | undefined>

/** The service of `type` (the first), as the provider's `get_service`. */
export function serviceOfType (ddo: DDO, type: string): Service | undefined {
  return ddo.service.find(service => service.type === type)
}

// A start that fails before the operator could have made its job (nothing was sent, nothing
// was recorded) gives back the use of an order taken for it; any other failure keeps the use,
// since the job may run on the operator's side. The engines and the HTTP transport mark such
// errors; a host's own operator refuses with a 4xx (OperatorRejectedError) to the same effect.
import { httpStatusOf, isClientStatus } from '../http-status.js'

const NOT_CREATED = Symbol('fastify-ocean-compute.jobNotCreated')

/** Marks `err` as thrown before any job could exist, and returns it. */
export function notCreated<E> (err: E): E {
  if (err !== null && typeof err === 'object') (err as Record<symbol, unknown>)[NOT_CREATED] = true
  return err
}

/** True when a start that failed with `err` left no job: the operator refused it (a 4xx), or `err` is marked by `notCreated`. */
export function jobNeverCreated (err: unknown): boolean {
  return isClientStatus(httpStatusOf(err)) || (err as Record<symbol, unknown> | null)?.[NOT_CREATED] === true
}

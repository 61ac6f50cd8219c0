// A start that fails before the operator could have made its job (nothing was sent, nothing
// was recorded) gives back the use of an order taken for it; any other failure keeps the use,
// since the job may run on the operator's side. The engines and the HTTP transport mark such
// errors; a host's own operator refuses with a 4xx (OperatorRejectedError) to the same effect.
const NOT_CREATED = Symbol('fastify-ocean-compute.jobNotCreated')

/** Marks `err` as thrown before any job could exist, and returns it. */
export function notCreated<E> (err: E): E {
  if (err !== null && typeof err === 'object') (err as Record<symbol, unknown>)[NOT_CREATED] = true
  return err
}

/** True for an error marked by `notCreated`. */
export function isNotCreated (err: unknown): boolean {
  return (err as Record<symbol, unknown> | null)?.[NOT_CREATED] === true
}

// Internal: how the error handler, the route layer and the HTTP transport read the HTTP status an error carries.
// Not in lib/errors.ts, which hosts see as the public `errors` namespace.

/** An error that carries its own HTTP status (our errors, http-errors, Fastify's own). */
export function httpStatusOf (err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode
  return typeof status === 'number' ? status : undefined
}

/** True for a status the client caused and may be told about. */
export function isClientStatus (status: number | undefined): status is number {
  return status !== undefined && status >= 400 && status < 500
}

import { Type, type Static } from '@sinclair/typebox'

/** Every error answer: `error` is a sentence for people; `errors` lists problems per field (400 only). */
export const ErrorBody = Type.Object({
  error: Type.String(),
  errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String())))
})
export type ErrorBody = Static<typeof ErrorBody>

/** An error response of a route, described for OpenAPI. */
export const errorResponse = (description: string) => Type.Object(ErrorBody.properties, { description })

/** The 400, 401 and 503 that every signed route may answer. */
export function signedRouteErrors (unauthorized: string) {
  return {
    400: errorResponse('One of the required attributes is missing or malformed.'),
    401: errorResponse(unauthorized),
    503: errorResponse('Service unavailable')
  }
}

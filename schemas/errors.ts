import { Type, type Static } from '@sinclair/typebox'

/** Every error answer: `error` is a sentence for people; `errors` lists problems per field (400 only). */
export const ErrorBody = Type.Object({
  error: Type.String(),
  errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String())))
})
export type ErrorBody = Static<typeof ErrorBody>

/** An error response of a route, described for OpenAPI. */
export const errorResponse = (description: string) => Type.Object(ErrorBody.properties, { description })

import { Type, type Static } from '@sinclair/typebox'

/** One resource of an environment: `cpu` (cores), `ram` and `disk` (GB), with what one job may take. */
export const EnvironmentResource = Type.Object({
  id: Type.String({ description: '`cpu`, `ram` (GB) or `disk` (GB)' }),
  description: Type.Optional(Type.String()),
  total: Type.Number({ description: 'What the environment has' }),
  min: Type.Number({ description: 'The least a job gets' }),
  max: Type.Number({ description: 'The most a job may ask for' }),
  inUse: Type.Optional(Type.Number())
}, { additionalProperties: true })
export type EnvironmentResource = Static<typeof EnvironmentResource>

/** Who may use an environment: an empty `addresses` list means anyone. */
export const EnvironmentAccess = Type.Object({
  addresses: Type.Array(Type.String()),
  accessLists: Type.Union([Type.Array(Type.Unknown()), Type.Null()])
}, { additionalProperties: true })

/** The free tier of an environment: its presence means free jobs run there. */
export const FreeTier = Type.Object({
  access: EnvironmentAccess,
  maxJobDuration: Type.Number({ description: 'Seconds a free job may run: longer asks are clamped to it' }),
  maxJobs: Type.Optional(Type.Integer({ description: 'Free jobs that run at once' })),
  resources: Type.Array(EnvironmentResource, { description: 'What one free job may ask for' }),
  allowImageBuild: Type.Optional(Type.Boolean())
}, { additionalProperties: true })
export type FreeTier = Static<typeof FreeTier>

/** A compute environment as ocean-node describes one (spec "current wire" section 4). */
export const ComputeEnvironment = Type.Object({
  id: Type.String(),
  description: Type.Optional(Type.String()),
  consumerAddress: Type.String({ description: 'The provider\'s address; empty when it has none' }),
  platform: Type.Object({ architecture: Type.String(), os: Type.Optional(Type.String()) }, { additionalProperties: true }),
  access: EnvironmentAccess,
  fees: Type.Record(Type.String(), Type.Array(Type.Unknown()), { description: 'Prices per chain: `{}`, paid compute is not offered' }),
  storageExpiry: Type.Optional(Type.Number()),
  minJobDuration: Type.Optional(Type.Number()),
  maxJobDuration: Type.Optional(Type.Number()),
  maxJobs: Type.Optional(Type.Integer()),
  resources: Type.Array(EnvironmentResource),
  free: Type.Optional(FreeTier)
}, { additionalProperties: true })
export type ComputeEnvironment = Static<typeof ComputeEnvironment>

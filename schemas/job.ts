import { Type, type Static } from '@sinclair/typebox'

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()])
const StringOrList = Type.Union([Type.String(), Type.Array(Type.String())])

/**
 * One result file of a job. The plugin sets `index` and `url` on every entry it
 * answers; operators need not.
 */
export const ResultEntry = Type.Object({
  index: Type.Optional(Type.Integer({ minimum: 0, description: 'Its position in the job\'s results: the `index` of computeResult' })),
  filename: Type.Optional(Type.String()),
  filesize: Type.Optional(Type.Number({ description: 'bytes' })),
  type: Type.Optional(Type.String({ description: '`output`, or a log (`algorithmLog` from the operator-service, `log` from the local engine)' })),
  url: Type.Optional(Type.String({
    description: 'The provider\'s computeResult route for this file, relative to its origin, with consumerAddress, jobId and index: add `signature` (and `nonce`) to download it'
  }))
}, { additionalProperties: true })
export type ResultEntry = Static<typeof ResultEntry>

/**
 * One compute job as the operator reports it (spec section 3). Operators may add
 * fields of their own; they are passed on.
 */
export const JobStatus = Type.Object({
  jobId: Type.String({ description: 'The id of the job' }),
  owner: Type.Optional(Type.String({ description: 'consumerAddress of whoever started the job' })),
  agreementId: Type.Optional(Type.String({ description: 'transferTxId of the order that paid for the job' })),
  documentId: Type.Optional(Type.String()),
  inputDID: Type.Optional(Type.Array(Type.String())),
  algoDID: Type.Optional(Type.String({ description: 'The algorithm DID, or "raw" for raw code' })),
  status: Type.Integer({ description: 'Lifecycle code: 1 Warming up, 10 Job started, 20 Configuring volumes, 30 Provisioning success, 31 Data provisioning failed, 32 Algorithm provisioning failed, 40 Running algorithm, 50 Filtering results, 60 Publishing results, 70 Job completed' }),
  statusText: Type.String(),
  dateCreated: Type.Optional(Nullable(Type.Number({ description: 'unix seconds' }))),
  dateFinished: Type.Optional(Nullable(Type.Number({ description: 'unix seconds' }))),
  stopreq: Type.Optional(Type.Integer({ minimum: 0, maximum: 2, description: '0 none, 1 stop requested, 2 stopped for exceeding its time' })),
  removed: Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: '1 once deleted' })),
  resultsUrl: Type.Optional(StringOrList),
  algorithmLogUrl: Type.Optional(StringOrList),
  resultsDid: Type.Optional(StringOrList),
  results: Type.Optional(Type.Array(ResultEntry, { description: 'The result files; `[]` when there are none' })),
  expires: Type.Optional(Type.Number({ description: 'Bundled engines, once finished: unix seconds when the job\'s folder (results and logs) is deleted' })),
  expired: Type.Optional(Type.Boolean({ description: 'Bundled engines: true once the job\'s folder was deleted; `results` is then `[]`' }))
}, { additionalProperties: true })
export type JobStatus = Static<typeof JobStatus>

export const JobList = Type.Array(JobStatus, { description: 'The jobs; [] when nothing matched' })
export type JobList = Static<typeof JobList>

/**
 * Fields an unsigned status request never sees: those of spec section 1.3, and the
 * `results` list of operators that describe each result file (names and URLs).
 */
export const redactedFields = ['owner', 'resultsUrl', 'algorithmLogUrl', 'resultsDid', 'results'] as const

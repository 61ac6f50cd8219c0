import { Type, type Static } from '@sinclair/typebox'

/** A result file of a job, positional: `index` is what computeResult asks for. */
export const NodeResult = Type.Object({
  filename: Type.String(),
  filesize: Type.Number({ description: 'bytes' }),
  type: Type.String({ description: '`output` for what the algorithm wrote, `algorithmLog` for a log' }),
  index: Type.Integer({ minimum: 0 })
})
export type NodeResult = Static<typeof NodeResult>

const EpochText = Type.String({ description: 'Unix seconds as text, e.g. "1742291065.119"' })

/** A compute job as ocean-node answers one (spec "current wire" section 4). */
export const NodeJob = Type.Object({
  owner: Type.String(),
  did: Type.Union([Type.String(), Type.Null()]),
  jobId: Type.String(),
  dateCreated: EpochText,
  dateFinished: Type.Union([EpochText, Type.Null()], { description: 'Set once the job ended: clients stop polling then' }),
  status: Type.Integer({
    description: '0 Job started, 1 Job queued, 20 Configuring volumes, 30 Provisioning data, 31 Data provisioning failed, ' +
      '32 Algorithm provisioning failed, 40 Running algorithm, 41 Failed to run algorithm, 50 Filtering results, 60 Publishing results, 70 Job finished'
  }),
  statusText: Type.String(),
  results: Type.Array(NodeResult),
  inputDID: Type.Array(Type.String()),
  algoDID: Type.String(),
  agreementId: Type.String(),
  environment: Type.String(),
  metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  terminationDetails: Type.Object({ exitCode: Type.Union([Type.Integer(), Type.Null()]), OOMKilled: Type.Boolean() }),
  maxJobDuration: Type.Number(),
  queueMaxWaitTime: Type.Number(),
  stopRequested: Type.Boolean(),
  resources: Type.Array(Type.Object({ id: Type.String(), amount: Type.Number() })),
  isFree: Type.Boolean(),
  algoStartTimestamp: Type.String(),
  algoStopTimestamp: Type.String(),
  algoDuration: Type.Number(),
  additionalViewers: Type.Array(Type.String())
})
export type NodeJob = Static<typeof NodeJob>

export const NodeJobList = Type.Array(NodeJob, { description: 'The jobs; [] when nothing matched' })

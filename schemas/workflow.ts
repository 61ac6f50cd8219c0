import { Type, type Static } from '@sinclair/typebox'
import { AlgorithmMeta, Output } from './params.js'

export const WorkflowInput = Type.Object({
  index: Type.Integer(),
  id: Type.String(),
  /** The file URLs the engine downloads. */
  url: Type.Optional(Type.Array(Type.String())),
  /** Instead of `url`, an input served by another provider: the order that paid for it. */
  remote: Type.Optional(Type.Object({ txid: Type.String(), serviceIndex: Type.Integer() }, { additionalProperties: true }))
}, { additionalProperties: true })
export type WorkflowInput = Static<typeof WorkflowInput>

/** The workflow the provider hands the operator (spec section 4). */
export const Workflow = Type.Object({
  stages: Type.Array(Type.Object({
    index: Type.Integer(),
    input: Type.Array(WorkflowInput),
    compute: Type.Object({
      Instances: Type.Integer(),
      namespace: Type.String(),
      maxtime: Type.Integer()
    }, { additionalProperties: true }),
    algorithm: Type.Composite([Type.Object({ id: Type.String() }), AlgorithmMeta], { additionalProperties: true }),
    output: Output
  }, { additionalProperties: true }))
})
export type Workflow = Static<typeof Workflow>

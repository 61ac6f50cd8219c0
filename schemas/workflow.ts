import { Type, type Static } from '@sinclair/typebox'
import { AlgorithmMeta, Output } from './params.js'

export const WorkflowInput = Type.Object({
  index: Type.Integer(),
  id: Type.String(),
  url: Type.Array(Type.String())
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

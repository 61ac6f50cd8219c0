import { mkdtemp, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import type { FastifyBaseLogger } from 'fastify'
import { localOperator, type LocalJobStatus, type LocalOperator, type LocalOperatorOptions, type OperatorContext, type Workflow } from '../../../lib/index.js'
import { alice, DID } from '../../helpers/sign.js'
import { until } from '../../helpers/until.js'
import { jobLayout, type JobLayout } from '../../../lib/operator/engine/layout.js'

export const OWNER = alice.address
export { DID }

type Test = { teardown: (fn: () => unknown) => void }

/** A fresh folder under the OS temp dir, removed after the test. */
export async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'foc-local-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  return dir
}

/** A logger that keeps what was logged at error level. */
export function recordingLog (): FastifyBaseLogger & { errors: unknown[] } {
  const errors: unknown[] = []
  const log = {
    errors,
    level: 'info',
    error: (...args: unknown[]) => { errors.push(args) },
    fatal () {},
    warn () {},
    info () {},
    debug () {},
    trace () {},
    silent () {},
    child: () => log
  }
  return log as unknown as FastifyBaseLogger & { errors: unknown[] }
}

export function context (log: FastifyBaseLogger = recordingLog()): OperatorContext {
  return { signal: new AbortController().signal, log }
}

/** An engine on a fresh data folder (or `dataDir`), closed after the test. */
export async function engine (t: Test, options: Partial<LocalOperatorOptions> = {}): Promise<LocalOperator> {
  const dataDir = options.dataDir ?? await tempDir(t)
  const operator = localOperator({ datasets: { [DID]: CSV_PATH }, ...options, dataDir })
  t.teardown(async () => await operator.close())
  return operator
}

export const CSV_PATH = new URL('../../../examples/data/sample.csv', import.meta.url).pathname

export interface AlgorithmSpec {
  rawcode?: string
  url?: string
  entrypoint?: string
  image?: string
  tag?: string
  inputs?: Array<{ id: string, url?: string[] }>
  maxtime?: number
}

/** A one-stage workflow (spec section 4) running `rawcode` on the sample dataset. */
export function workflow ({ rawcode, url, entrypoint = 'node $ALGO', image, tag, inputs = [{ id: DID }], maxtime = 3600 }: AlgorithmSpec): Workflow {
  return {
    stages: [{
      index: 0,
      input: inputs.map((input, index) => ({ index, id: input.id, url: input.url ?? [] })),
      compute: { Instances: 1, namespace: 'ocean-compute', maxtime },
      algorithm: { id: '', rawcode, url, container: { entrypoint, image, tag } },
      output: {}
    }]
  }
}

/** Starts a job of `OWNER` and answers its first status. */
export async function start (operator: LocalOperator, spec: AlgorithmSpec, ctx = context()): Promise<LocalJobStatus> {
  const [job] = await operator.start({ workflow: workflow(spec), owner: OWNER, documentId: spec.inputs?.[0]?.id ?? DID }, ctx)
  return job as LocalJobStatus
}

export async function currentJob (operator: LocalOperator, jobId: string): Promise<LocalJobStatus | undefined> {
  const [job] = await operator.status({ owner: OWNER, jobId }, context())
  return job as LocalJobStatus | undefined
}

/** Polls a job until `done` holds (default: a final state); fails after `ms`. */
export async function waitFor (operator: LocalOperator, jobId: string, done = (job: LocalJobStatus) => [31, 32, 70].includes(job.status), ms = 15_000): Promise<LocalJobStatus> {
  return await until(async () => {
    const job = await currentJob(operator, jobId)
    return job !== undefined && done(job) ? job : undefined
  }, `job ${jobId} to get there`, ms)
}

export const running = (job: LocalJobStatus) => job.status === 40

/** The text of result `index` of a job. */
export async function resultText (operator: LocalOperator, jobId: string, index: number): Promise<string | undefined> {
  const file = await operator.result({ owner: OWNER, jobId, index }, context())
  if (file === undefined) return undefined
  return await text(file.stream)
}

/** The text of a job's result named `filename` ('engine.log', 'algorithm.log', an output). */
export async function namedText (operator: LocalOperator, jobId: string, filename: string): Promise<string | undefined> {
  const index = (await currentJob(operator, jobId))?.results.findIndex(result => result.filename === filename) ?? -1
  return index === -1 ? undefined : await resultText(operator, jobId, index)
}

/** The folder of a job of an engine made on `dataDir`. */
export async function layoutOf (dataDir: string, jobId: string): Promise<JobLayout> {
  return jobLayout(await realpath(dataDir), jobId)
}

/** Small algorithms, as raw code. */
export const ALGORITHMS = {
  /** Counts the dataset's rows into outputs/rows.txt. */
  count: `const fs = require('fs'), path = require('path')
const [did] = JSON.parse(process.env.DIDS)
const rows = fs.readFileSync(path.join(process.env.INPUTS, did, '0'), 'utf8').trim().split('\\n').length - 1
fs.writeFileSync(path.join(process.env.OUTPUTS, 'rows.txt'), String(rows))
console.log('counted', rows)`,
  sleep: 'console.log("sleeping"); setTimeout(() => {}, 60000)',
  fail: 'console.error("something broke"); process.exit(3)'
} as const

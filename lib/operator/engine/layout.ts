import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The folder of one job, `dir` (`<dataDir>/jobs/<jobId>`), holds two: `work`, where the
 * algorithm runs and which a local algorithm may read and write, mirroring the
 * compute-to-data volumes an algorithm finds in a container (`/data/inputs/<did>/0`,
 * `/data/outputs`, `/data/logs`, `/data/transformations/algorithm`); and `journal`,
 * the engine's own, which no algorithm is given: the algorithm's stdout and stderr
 * as the engine captured them (`log`), and the engine's lines (`engineLog`).
 */
export interface JobLayout {
  dir: string
  work: string
  inputs: string
  outputs: string
  logs: string
  algorithm: string
  journal: string
  log: string
  engineLog: string
}

function jobsDir (dataDir: string): string {
  return join(dataDir, 'jobs')
}

export function jobLayout (dataDir: string, jobId: string): JobLayout {
  const dir = join(jobsDir(dataDir), jobId)
  const work = join(dir, 'work')
  const data = join(work, 'data')
  const journal = join(dir, 'journal')
  return {
    dir,
    work,
    inputs: join(data, 'inputs'),
    outputs: join(data, 'outputs'),
    logs: join(data, 'logs'),
    algorithm: join(data, 'transformations', 'algorithm'),
    journal,
    log: join(journal, 'algorithm.log'),
    engineLog: join(journal, 'engine.log')
  }
}

// A documentId becomes a folder name: no separators, no '.' or '..'.
const SAFE_SEGMENT = /^(?!\.{1,2}$)[\w:.-]+$/

/** True when `documentId` can name its inputs folder. */
export function isSafeDocumentId (documentId: string): boolean {
  return SAFE_SEGMENT.test(documentId)
}

/** File `index` of dataset `documentId` (checked with isSafeDocumentId beforehand). */
export function inputFile (layout: JobLayout, documentId: string, index: number): string {
  return join(layout.inputs, documentId, String(index))
}

/** Creates the job's folders. */
export async function createLayout (layout: JobLayout, documentIds: readonly string[]): Promise<void> {
  await Promise.all([
    layout.outputs, layout.logs, layout.journal, join(layout.algorithm, '..'),
    ...documentIds.map(id => join(layout.inputs, id))
  ].map(async dir => await mkdir(dir, { recursive: true })))
}

/** The folders an algorithm is told about, as it sees them. */
export type AlgorithmFolders = Pick<JobLayout, 'inputs' | 'outputs' | 'logs' | 'algorithm'>

/**
 * The compute-to-data variables: where the job's folders are, `DIDS` a JSON array
 * of the input documentIds, `TRANSFORMATION_DID` the algorithm's DID ('raw' for raw code).
 */
export function jobVariables (folders: AlgorithmFolders, inputDID: readonly string[], algorithmDid: string): Record<string, string> {
  return {
    DIDS: JSON.stringify(inputDID),
    TRANSFORMATION_DID: algorithmDid,
    INPUTS: folders.inputs,
    OUTPUTS: folders.outputs,
    LOGS: folders.logs,
    ALGO: folders.algorithm
  }
}

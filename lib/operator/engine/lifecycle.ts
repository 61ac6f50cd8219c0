// The job lifecycle of spec section 3. Clients match on the number; the texts are
// the operator-service's, word for word.

export const STATUS = {
  queued: 1,
  configuring: 20,
  provisioned: 30,
  dataFailed: 31,
  algorithmFailed: 32,
  running: 40,
  publishing: 60,
  completed: 70
} as const
export type StatusCode = typeof STATUS[keyof typeof STATUS]

export const STATUS_TEXT: Readonly<Record<StatusCode, string>> = {
  1: 'Warming up',
  20: 'Configuring volumes',
  30: 'Provisioning success',
  31: 'Data provisioning failed',
  32: 'Algorithm provisioning failed',
  40: 'Running algorithm',
  60: 'Publishing results',
  70: 'Job completed'
}

/** The text of a job that was unfinished when its provider stopped (a crash or a shutdown). */
export const INTERRUPTED_TEXT = 'Job completed (interrupted: the provider stopped while the job was unfinished)'

const FINAL_STATUSES = [STATUS.dataFailed, STATUS.algorithmFailed, STATUS.completed] as const
const FINAL: ReadonlySet<number> = new Set(FINAL_STATUSES)

/** The statuses a job ends in. */
export type FinalStatus = typeof FINAL_STATUSES[number]

export function isFinal (status: number): status is FinalStatus {
  return FINAL.has(status)
}

/** `stopreq` values: why a job was ended early. */
export const STOPREQ = { none: 0, stopped: 1, timedOut: 2 } as const

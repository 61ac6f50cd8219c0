import { OperatorUnavailableError } from '../../errors.js'
import { notCreated } from '../not-created.js'

/** Where an exchange was when it failed. */
export type Phase = 'request' | 'answer'

// What failed, by undici's or Node's error code (or name, where undici sets no code).
// The messages reach clients: never a URL, a host, a port or a signature.
const FAULTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'The compute operator refused the connection.',
  ENOTFOUND: 'The compute operator could not be resolved.',
  EAI_AGAIN: 'The compute operator could not be resolved.',
  UND_ERR_CONNECT_TIMEOUT: 'The compute operator did not connect in time.',
  UND_ERR_HEADERS_TIMEOUT: 'The compute operator did not answer in time.',
  UND_ERR_BODY_TIMEOUT: 'The compute operator stalled while sending its answer.',
  HTTPParserError: 'The compute operator answered something other than HTTP.',
  UND_ERR_CLOSED: 'The compute operator transport is closed.',
  UND_ERR_DESTROYED: 'The compute operator transport is closed.'
}

const RESETS: ReadonlySet<string> = new Set(['ECONNRESET', 'UND_ERR_SOCKET'])

// No connection was made: the operator-service saw nothing of the call.
const UNCONNECTED: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])

function codeOf (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** A 503 for clients; `cause` keeps the details for logs. */
export function unavailable (message: string, cause?: unknown): Error {
  return new OperatorUnavailableError(message, { cause })
}

/** True when the operator-service dropped the connection: the one fault a GET may retry. */
export function isReset (err: unknown): boolean {
  return RESETS.has(codeOf((err as { cause?: unknown }).cause) ?? '')
}

/** Turns what undici threw in `phase` into a 503 that names what failed. */
export function fault (err: unknown, phase: Phase, signal: AbortSignal): Error {
  if (err instanceof OperatorUnavailableError) return err
  if (signal.aborted) return unavailable('The compute operator call was aborted.', err)
  const code = codeOf(err) ?? (err as Error | null)?.name ?? ''
  if (RESETS.has(code)) {
    return unavailable(phase === 'answer'
      ? 'The compute operator closed the connection mid-answer.'
      : 'The compute operator closed the connection without answering.', err)
  }
  if (UNCONNECTED.has(code)) return notCreated(unavailable(FAULTS[code]!, err))
  return unavailable(FAULTS[code] ?? (phase === 'answer'
    ? 'The compute operator failed while sending its answer.'
    : 'The compute operator could not be reached.'), err)
}

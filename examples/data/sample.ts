import { fileURLToPath } from 'node:url'

/**
 * The example provider's one dataset: weather readings of four stations, as CSV.
 * Its documentId has the form of an Ocean DID that clients of every era parse:
 * `did:op:` and 40 hex characters (ocean.js 0.x refuses the 64 of later DIDs).
 * It is fixed so that the README and the example consumer can name it.
 */
export const SAMPLE_DID = 'did:op:bdf9e70cf21ea8e7a6c5d1ee810954f733596436'

export const SAMPLE_PATH = fileURLToPath(new URL('./sample.csv', import.meta.url))

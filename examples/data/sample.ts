import { fileURLToPath } from 'node:url'

/**
 * The example provider's one dataset: weather readings of four stations, as CSV.
 * Its documentId has the form of an Ocean DID (`did:op:` and 64 hex characters);
 * it is fixed so that the README and the example consumer can name it.
 */
export const SAMPLE_DID = 'did:op:bdf9e70cf21ea8e7a6c5d1ee810954f7335964365a1336ce7e9aa63d8b8500ce'

export const SAMPLE_PATH = fileURLToPath(new URL('./sample.csv', import.meta.url))

import type { Scenario } from '../scenario.js'
import { statusUnsigned, statusSigned, statusSignedRepeat, statusChannels, statusSignedChannels } from './status.js'
import { startSigned } from './start.js'
import { transport } from './transport.js'
import { startTermsCold, startTermsWarm } from './terms.js'

/** Every scenario, in the order `npm run bench` runs them. */
export const scenarios: readonly Scenario[] = [statusUnsigned, statusSigned, startSigned, transport, statusSignedRepeat, startTermsWarm, startTermsCold, statusChannels, statusSignedChannels]

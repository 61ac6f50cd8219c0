// A CommonJS TypeScript host (module nodenext: TypeScript 5.8+ types require() of ESM).
import Fastify = require('fastify')
import oceanCompute = require('fastify-ocean-compute')

const limits: Partial<oceanCompute.ParamLimits> = { idLength: oceanCompute.defaultLimits.idLength * 2 }
const app = Fastify()
app.register(oceanCompute.fastifyOceanCompute, { operatorTimeout: 1000, limits })
// @ts-expect-error an option of the wrong type is refused
app.register(oceanCompute.default, { operatorTimeout: 'soon' })

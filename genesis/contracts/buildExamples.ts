/**
 * `npm run build:contracts`: compiles the example venues and rewrites examples/artifacts.json.
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileSolidity } from '../../lib/solc.ts'
import { EXAMPLE_CONTRACTS, exampleSources } from './exampleContracts.ts'

/** Compiles the examples; returns the artifacts keyed by contract name. */
export function compileExamples() {
  const out = compileSolidity(exampleSources())
  return Object.fromEntries(
    EXAMPLE_CONTRACTS.map((name) => [
      name,
      { abi: out[name].abi, bytecode: out[name].bytecode, deployedBytecode: out[name].deployedBytecode },
    ]),
  )
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = join(dirname(fileURLToPath(import.meta.url)), 'examples', 'artifacts.json')
  writeFileSync(path, `${JSON.stringify(compileExamples(), null, 2)}\n`)
  console.log(`wrote ${path}`)
}

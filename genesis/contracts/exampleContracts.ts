/**
 * The example protocols (two venues settling through the Margin precompile), compiled from
 * `examples/*.sol` with solc-js. The committed `examples/artifacts.json` lets the node predeploy
 * them at genesis without loading a compiler; a test holds it equal to a fresh compile
 * (`npm run build:contracts` rewrites it).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'
import artifacts from './examples/artifacts.json' with { type: 'json' }

const HERE = dirname(fileURLToPath(import.meta.url))

export interface ExampleArtifact {
  abi: Abi
  bytecode: Hex
  deployedBytecode: Hex
}

/** Names of the example contracts that are deployed. */
export const EXAMPLE_CONTRACTS = ['OptionsVenue', 'PerpVenue', 'BatchVenue'] as const
export type ExampleName = (typeof EXAMPLE_CONTRACTS)[number]

/** The committed artifacts. */
export function exampleArtifacts(): Record<ExampleName, ExampleArtifact> {
  return artifacts as unknown as Record<ExampleName, ExampleArtifact>
}

/** The Solidity sources, by file name. */
export function exampleSources(): Record<string, string> {
  const dir = join(HERE, 'examples')
  const out: Record<string, string> = {}
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.sol'))
    .sort())
    out[f] = readFileSync(join(dir, f), 'utf8')
  return out
}

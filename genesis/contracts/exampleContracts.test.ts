import { describe, expect, it } from 'vitest'
import { compileExamples } from './buildExamples.ts'
import { EXAMPLE_CONTRACTS, exampleArtifacts } from './exampleContracts.ts'

describe('example contracts', () => {
  it('committed artifacts equal a fresh compile of the sources', () => {
    const fresh = compileExamples()
    const committed = exampleArtifacts()
    for (const name of EXAMPLE_CONTRACTS) {
      expect(committed[name].deployedBytecode).toBe(fresh[name].deployedBytecode)
      expect(committed[name].abi).toEqual(fresh[name].abi)
      expect(committed[name].deployedBytecode.length).toBeGreaterThan(100)
    }
  })
})

import { describe, expect, it } from 'vitest'
import { compileSolidity, SolidityCompileError } from './solc.ts'

const counter = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Counter {
  uint256 public count;
  event Bumped(uint256 count);
  function bump() external { count += 1; emit Bumped(count); }
}
`

describe('compileSolidity', () => {
  it('returns abi, creation and runtime code for each contract', () => {
    const { Counter } = compileSolidity({ 'Counter.sol': counter })
    expect(Counter.abi.map((x) => ('name' in x ? x.name : x.type)).sort()).toEqual(['Bumped', 'bump', 'count'])
    expect(Counter.bytecode).toMatch(/^0x(?:[0-9a-f]{2})+$/)
    expect(Counter.deployedBytecode).toMatch(/^0x(?:[0-9a-f]{2})+$/)
    // Creation code is longer than, and carries, the runtime code.
    expect(Counter.bytecode.length).toBeGreaterThan(Counter.deployedBytecode.length)
    expect(Counter.bytecode).toContain(Counter.deployedBytecode.slice(2, 200))
  })

  it('targets cancun: transient storage compiles', () => {
    const src = `pragma solidity ^0.8.24;
      contract T { function f() external returns (uint256 v) {
        assembly { tstore(0, 7) v := tload(0) } } }`
    expect(compileSolidity({ 'T.sol': src }).T.deployedBytecode.length).toBeGreaterThan(2)
    // Before cancun the same source is refused.
    expect(() => compileSolidity({ 'T.sol': src }, { evmVersion: 'shanghai' })).toThrow(/tstore/)
  })

  it('also names contracts by file', () => {
    const out = compileSolidity({ 'Counter.sol': counter })
    expect(out['Counter.sol:Counter']).toBe(out.Counter)
  })

  it('caches by source: the same object comes back', () => {
    const a = compileSolidity({ 'Counter.sol': counter })
    const b = compileSolidity({ 'Counter.sol': counter })
    expect(b).toBe(a)
    const c = compileSolidity({ 'Counter.sol': counter }, { optimizerRuns: 1 })
    expect(c).not.toBe(a)
  })

  it('throws the compiler messages on an error', () => {
    let err: unknown
    try {
      compileSolidity({ 'Bad.sol': 'pragma solidity ^0.8.0; contract Bad { function f( }' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(SolidityCompileError)
    expect((err as SolidityCompileError).errors[0]).toMatch(/ParserError/)
    expect((err as Error).message).toMatch(/Bad\.sol/)
  })
})

/**
 * `PrecompileInput` in @ethereumjs/evm v10 carries no caller, value, depth or static flag. The
 * EVM's `beforeMessage`/`afterMessage` events bracket every frame, so a stack fed by them holds
 * the frame a precompile runs in: its top is the precompile's own message (DESIGN.md).
 */
import type { EVM, Message } from '@ethereumjs/evm'

const stacks = new WeakMap<object, Message[]>()

/** Starts tracking frames of `evm`. Call once per EVM, before it runs anything. */
export function trackMessages(evm: EVM): void {
  if (stacks.has(evm)) return
  const stack: Message[] = []
  stacks.set(evm, stack)
  evm.events!.on('beforeMessage', (m: Message) => {
    // A transaction's first frame starts a fresh stack: frames of a run that ended in an
    // exception (no afterMessage) never leak into the next one.
    if (m.depth === 0) stack.length = 0
    stack.push(m)
  })
  evm.events!.on('afterMessage', () => {
    stack.pop()
  })
}

/** The message of the frame now running in `evm` (the precompile's own, inside a precompile). */
export function currentMessage(evm: unknown): Message | undefined {
  const stack = stacks.get(evm as object)
  return stack?.[stack.length - 1]
}

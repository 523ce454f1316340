/**
 * An ABI event as a log: the topics (event signature and indexed arguments) and the data (the
 * other arguments, ABI-encoded). Shared by the precompiles' `emit` and the system transactions.
 */
import { type Abi, encodeAbiParameters, encodeEventTopics, type Hex } from 'viem'

/** One log, hex-encoded. */
export interface EncodedLog {
  address: Hex
  topics: Hex[]
  data: Hex
}

/** The log `eventName` of `abi` emitted by `address` with `args` (indexed ones as topics). */
export function encodeLog(abi: Abi, address: Hex, eventName: string, args: Record<string, unknown>): EncodedLog {
  const event = abi.find((e) => e.type === 'event' && e.name === eventName)
  if (event?.type !== 'event') throw new Error(`unknown event ${eventName}`)
  const topics = encodeEventTopics({ abi: [event], eventName, args } as never) as Hex[]
  const dataInputs = event.inputs.filter((i) => !i.indexed)
  const data = encodeAbiParameters(
    dataInputs,
    dataInputs.map((i) => args[i.name!]),
  )
  return { address, topics, data }
}

/**
 * Structured logs (pino) to stderr, so stdout stays for the banner and machine-readable output.
 */
import { type Logger, pino } from 'pino'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Creates the node's logger at `level`. */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, base: { name: 'unimargin' } }, pino.destination(2))
}

// Worker entry of marginPool.ts: registers the TypeScript loader in this thread, then runs
// the worker body (workers do not inherit the parent's loader).
import { register } from 'tsx/esm/api'

register()
await import('./marginWorker.ts')

export { Baton, createBaton, type BatonOptions, type OperatorOptions, type ResumeOptions, type SubmitOptions, type WorkOptions } from './baton.js';
export { checkContextText, type WorkspaceContext } from './context.js';
export { displayStatus, RunHandle, summarize, type RunResult } from './run-handle.js';
export { workspaceHome, databaseFile } from './workspace.js';
export { loadPlanFile } from './plan-file.js';
export { killRunningCommands } from '../capabilities/index.js';
export { Worker, type WorkerLogEvent } from './worker.js';
export { RunAdopter, type RunAdopterLogEvent } from './run-adopter.js';
export { LEASE_MS } from './run-driver.js';

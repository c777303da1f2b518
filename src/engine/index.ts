export { Baton, createBaton, type BatonOptions, type OperatorOptions, type ResumeOptions, type SubmitOptions } from './baton.js';
export { checkContextText, type WorkspaceContext } from './context.js';
export { displayStatus, RunHandle, summarize, type RunResult } from './run-handle.js';
export { workspaceHome, databaseFile } from './workspace.js';
export { loadPlanFile } from './plan-file.js';
export { killRunningCommands } from '../capabilities/index.js';
export { HANDOFF_STEPS, type HandoffReport, type HandoffRequest, type HandoffStep, type HandoffStepReport } from './handoff.js';
export { defaultPrincipal } from './owner.js';

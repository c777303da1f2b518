export {
  ApprovedEvidenceFold,
  checkApprovedEvidence,
  type ApprovedArtifact,
  type ApprovedArtifactFailure,
  type ApprovedEvidenceVerdict,
} from './approved-evidence.js';
export { AttemptScratch, checkCost } from './attempt-files.js';
export { DEFAULT_MAX_ATTEMPT_BYTES, DEFAULT_MAX_ATTEMPT_FILES, type ArtifactLimits } from './limits.js';
export {
  checkSealedArtifacts,
  joinVerdicts,
  SealedArtifactsFold,
  type ArtifactFailure,
  type RunVerdict,
  type SealedArtifact,
  type SealedArtifactsVerdict,
} from './sealed.js';
export { ArtifactStore, type StoredCheck } from './store.js';
export { type VerifiedArtifact } from './verified-read.js';

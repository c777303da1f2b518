export { MIN_SECRET_LENGTH, redact, type Secret } from './redact.js';
export {
  DEFAULT_SECRET_PATTERNS,
  secretPatterns,
  secretNames,
  secretsInEnvironment,
  secretValues,
  type Environment,
} from './secret-variables.js';

import { planSchemas } from '../core/plan/schema.js';
import type { FunctionCapability } from '../capabilities/index.js';

/**
 * What is wrong with a function capability given to `Baton.register`, each issue in words a
 * caller can act on; empty when it may be registered. Code is not checked by the plan schema,
 * so the same rules are applied here by hand.
 * @example
 * functionCapabilityIssues({ id: 'double', skills: { math: 2 }, run: (n: number) => n * 2 })
 * // ['skills must map skill names to strengths between 0 and 1']
 */
export function functionCapabilityIssues(capability: FunctionCapability): string[] {
  const { CapabilityId, Permission, PositiveDuration, Skills } = planSchemas();
  return [
    ...(CapabilityId.safeParse(capability.id).success ? [] : [`id "${capability.id}" is not a valid capability id`]),
    ...(Skills.safeParse(capability.skills).success
      ? []
      : ['skills must map skill names to strengths between 0 and 1']),
    ...(typeof capability.run === 'function' ? [] : ['run must be a function']),
    ...(capability.costUsd === undefined ||
    (typeof capability.costUsd === 'number' && Number.isFinite(capability.costUsd) && capability.costUsd >= 0)
      ? []
      : [`costUsd must be a finite number of US dollars, 0 or more (got ${String(capability.costUsd)})`]),
    ...(capability.permissions === undefined || Permission.array().safeParse(capability.permissions).success
      ? []
      : [
          'permissions must be a list of names in lower-case letters, digits, _, ., : and - (for example `network`, `fs:write`)',
        ]),
    ...(capability.timeout === undefined || PositiveDuration.safeParse(capability.timeout).success
      ? []
      : [`timeout must be a duration longer than 0, e.g. 500ms, 30s, 5m (got ${JSON.stringify(capability.timeout)})`]),
  ];
}

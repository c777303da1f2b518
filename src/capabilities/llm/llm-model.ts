import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { LlmCapability } from '../../core/index.js';
import { CapabilityFailure } from '../types.js';

/** Where each provider is called when the config gives no `base_url`: what the scope is checked against. */
const DEFAULT_BASE_URLS = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
} as const;

/** The URL an `llm` capability calls (its `base_url`, else the provider's own). */
export function llmEndpoint(config: LlmCapability): string {
  if (config.base_url !== undefined) return config.base_url;
  // The schema requires base_url for openai-compatible, so only the named providers reach here.
  return DEFAULT_BASE_URLS[config.provider as keyof typeof DEFAULT_BASE_URLS];
}

/** Makes the model an attempt calls; tests pass the AI SDK's mock models instead. */
export type ModelFactory = (config: LlmCapability, apiKey: string | undefined) => LanguageModel;

/**
 * The API key from the variable `api_key_env` names, read per attempt from this process's
 * environment (a worker's, not the submitter's). Without `api_key_env`, undefined: the provider
 * reads its own variable (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`), and a local server needs none.
 */
export function apiKeyOf(config: LlmCapability, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (config.api_key_env === undefined) return undefined;
  const key = env[config.api_key_env];
  if (key === undefined || key === '')
    throw new CapabilityFailure({
      type: 'configuration',
      message: `the API key variable ${config.api_key_env} is not set in the environment of the process running this step`,
      retryable: false,
    });
  return key;
}

/**
 * The AI SDK model for a config. openai-compatible asks for usage in the final streamed chunk
 * (`includeUsage`) and sends `output_schema` as a JSON Schema response format, which Ollama,
 * vLLM, LM Studio and llama.cpp server accept.
 * @example
 * const model = providerModel({ kind: 'llm', provider: 'openai', model: 'gpt-4o-mini', skills: {} }, key);
 */
export const providerModel: ModelFactory = (config, apiKey) => {
  const baseURL = config.base_url;
  switch (config.provider) {
    case 'openai':
      return createOpenAI({ apiKey, baseURL })(config.model);
    case 'anthropic':
      return createAnthropic({ apiKey, baseURL })(config.model);
    case 'openai-compatible':
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: llmEndpoint(config),
        apiKey,
        includeUsage: true,
        supportsStructuredOutputs: config.output_schema !== undefined,
      })(config.model);
  }
};

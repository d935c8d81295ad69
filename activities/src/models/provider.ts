// The one interface every model backend implements: local llama.cpp, Ollama, OpenAI-compatible.

export type ModelKind = 'generation' | 'embedding';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerationOptions {
  /** Most tokens to generate (default 256). */
  maxTokens?: number;
  /** 0 is greedy and repeatable (default 0.7 for chat, 0 for plain generation). */
  temperature?: number;
  /** Generation ends before the first occurrence of any of these; the stop text is not returned. */
  stop?: string[];
  seed?: number;
}

export interface GenerateRequest extends GenerationOptions {
  model: string;
  /** Raw prompt, no chat template applied. */
  prompt: string;
}

export interface ChatRequest extends GenerationOptions {
  model: string;
  /** Rendered with the model's own chat template. */
  messages: ChatMessage[];
}

export interface StreamOptions {
  /** Called with each piece of text as it is generated. */
  onToken?: (text: string) => void;
  /** Aborting ends generation early; the result then has finishReason 'abort' and the text so far. */
  signal?: AbortSignal;
}

export interface GenerateResult {
  model: string;
  text: string;
  finishReason: 'stop' | 'length' | 'abort';
  promptTokens: number;
  completionTokens: number;
}

export interface EmbedRequest {
  model: string;
  texts: string[];
}

export interface EmbedResult {
  model: string;
  vectors: number[][];
  dimension: number;
}

export interface ModelInfo {
  name: string;
  kind: ModelKind;
  provider: ProviderName;
  /** Tokens the model was trained for; a longer input is refused with ContextOverflowError. */
  contextLength: number | null;
  /** Vector size, for embedding models. */
  dimension: number | null;
}

export type ProviderName = 'local' | 'ollama' | 'openai';

export interface ModelProvider {
  readonly name: ProviderName;
  listModels(): Promise<ModelInfo[]>;
  generate(request: GenerateRequest, options?: StreamOptions): Promise<GenerateResult>;
  chat(request: ChatRequest, options?: StreamOptions): Promise<GenerateResult>;
  embed(request: EmbedRequest): Promise<EmbedResult>;
  /** The model's own tokenizer as a token counter (content tokens, no special tokens), where the provider has one. */
  tokenCounter?(model: string): Promise<(text: string) => number>;
  close(): Promise<void>;
}

/** Bad input: the model name is not one the provider has. Lists what it has. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
  constructor(readonly model: string, readonly available: string[]) {
    super(`unknown model "${model}"; available: ${available.length ? available.join(', ') : '(none)'}`);
  }
}

/** Bad input: the prompt (or a text to embed) does not fit the model's context. */
export class ContextOverflowError extends Error {
  override name = 'ContextOverflowError';
  constructor(readonly model: string, readonly tokens: number, readonly limit: number) {
    super(`input of ${tokens} tokens does not fit model "${model}" (at most ${limit} tokens); shorten it or split it`);
  }
}

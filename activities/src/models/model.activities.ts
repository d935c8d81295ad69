import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import { ContextOverflowError, UnknownModelError, type ChatMessage, type GenerationOptions, type ModelProvider, type GenerateResult } from './provider';

export type GenerateTextInput = GenerationOptions & {
  model: string;
  /** When set, generated text is published live on the run-event channel under this stream name. */
  publishAs?: string;
} & ({ prompt: string; messages?: never } | { messages: ChatMessage[]; prompt?: never });

/** The Postgres NOTIFY channel live run events travel on; the server relays them to every surface. */
export const runEventsChannel = 'astra_run_events';

export interface EmbedTextsInput {
  model: string;
  texts: string[];
}

const heartbeatEveryMs = 1_000;

/** Bad input fails at once and is never retried; anything else is a plain error that Temporal retries. */
function asActivityFailure(error: unknown): unknown {
  if (error instanceof UnknownModelError || error instanceof ContextOverflowError) {
    return ApplicationFailure.nonRetryable(error.message, error.name);
  }
  return error;
}

/** Generation and embedding activities over whichever provider the worker was configured with. */
export function createModelActivities({ models, pool }: { models: ModelProvider; pool?: pg.Pool }) {
  return {
    /** A prompt (raw) or messages (chat template); heartbeats its progress while it generates and stops on cancellation. */
    async generateText(input: GenerateTextInput): Promise<GenerateResult> {
      const context = Context.current();
      let generated = 0;
      let lastBeat = 0;
      let pending = '';
      let seq = 0;
      let flushing: Promise<unknown> = Promise.resolve();
      // Tokens go out in small bundles (every 50 ms) so a fast model does not flood the channel.
      const publish = () => {
        if (!input.publishAs || !pool || pending === '') return;
        const event = JSON.stringify({ stream: input.publishAs, seq: seq++, type: 'token', text: pending });
        pending = '';
        flushing = flushing.then(() => pool.query('select pg_notify($1, $2)', [runEventsChannel, event])).catch(() => undefined);
      };
      const timer = input.publishAs ? setInterval(publish, 50) : undefined;
      const onToken = (text: string) => {
        pending += text;
        generated += 1;
        if (Date.now() - lastBeat > heartbeatEveryMs) {
          lastBeat = Date.now();
          context.heartbeat({ generatedPieces: generated });
        }
      };
      const { model, maxTokens, temperature, stop, seed } = input;
      try {
        return input.messages
          ? await models.chat({ model, messages: input.messages, maxTokens, temperature, stop, seed }, { onToken, signal: context.cancellationSignal })
          : await models.generate({ model, prompt: input.prompt, maxTokens, temperature, stop, seed }, { onToken, signal: context.cancellationSignal });
      } catch (error) {
        throw asActivityFailure(error);
      } finally {
        clearInterval(timer);
        publish();
        await flushing;
      }
    },

    /** Embeds in batches of 32, heartbeating after each; returns the vectors in input order. */
    async embedTexts(input: EmbedTextsInput): Promise<{ vectors: number[][]; dimension: number }> {
      const context = Context.current();
      const vectors: number[][] = [];
      let dimension = 0;
      try {
        for (let start = 0; start < input.texts.length; start += 32) {
          const batch = await models.embed({ model: input.model, texts: input.texts.slice(start, start + 32) });
          vectors.push(...batch.vectors);
          dimension = batch.dimension;
          context.heartbeat({ embedded: vectors.length, of: input.texts.length });
        }
      } catch (error) {
        throw asActivityFailure(error);
      }
      return { vectors, dimension };
    },
  };
}

// `astra finetune` / `astra quantize` refuse bad options with exit code 2 and a message naming the
// option, before reading any file or calling the server.
import { describe, expect, it } from 'vitest';
import { CliError } from './errors';
import { finetuneCommand, quantizeCommand } from './finetune';

const refusal = async (run: Promise<number>) => {
  const error = await run.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
};

describe('astra finetune options', () => {
  it('needs --base and --data, and names the option that is wrong', async () => {
    expect((await refusal(finetuneCommand(['--name', 'x']))).message).toContain('usage: astra finetune --base');
    expect((await refusal(finetuneCommand(['--base', 'smollm2-135m-instruct', '--data', 'd.jsonl']))).message).toContain('--name is required');
    expect((await refusal(finetuneCommand(['--base', 'b', '--data', 'd.jsonl', '--name', 'Bad Name']))).message).toContain('--name "Bad Name"');
    expect((await refusal(finetuneCommand(['--base', 'b', '--data', 'd.jsonl', '--name', 'ok', '--steps', '0']))).message).toContain('--steps must be a whole number');
    expect((await refusal(finetuneCommand(['--base', 'b', '--data', 'd.jsonl', '--name', 'ok', '--quantize', 'Q2_K']))).message).toContain('must be one of Q8_0, Q4_K_M');
    const missing = await refusal(finetuneCommand(['--base', 'b', '--data', '/nonexistent/d.jsonl', '--name', 'ok']));
    expect(missing.message).toContain('cannot read /nonexistent/d.jsonl: ENOENT');
    expect(missing.exitCode).toBe(2);
  });

  it('astra quantize needs a model and a type', async () => {
    expect((await refusal(quantizeCommand(['tuned']))).message).toContain('usage: astra quantize');
    expect((await refusal(quantizeCommand(['tuned', '--type', 'F8']))).message).toContain('must be one of');
  });
});

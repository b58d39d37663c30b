import { PassThrough } from 'node:stream';
import { promptHidden, PromptCancelledError } from '../../../../src/companion/commands/prompt';

function terminal(): { input: PassThrough; output: PassThrough; written: () => string } {
  const input = new PassThrough();
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { input, output, written: () => Buffer.concat(chunks).toString('utf8') };
}

describe('promptHidden', () => {
  it('shows the question, reads the answer, and never echoes it', async () => {
    const t = terminal();
    const answer = promptHidden('Password: ', t.input, t.output);
    t.input.write('s3cr');
    t.input.write('et-value\r');
    await expect(answer).resolves.toBe('s3cret-value');
    expect(t.written()).toContain('Password: ');
    expect(t.written()).not.toContain('s3cr');
    expect(t.written()).not.toContain('*');
  });

  it('is cancelled by Ctrl-C', async () => {
    const t = terminal();
    const answer = promptHidden('Password: ', t.input, t.output);
    t.input.write('abc\u0003');
    await expect(answer).rejects.toBeInstanceOf(PromptCancelledError);
  });

  it('is cancelled when the input ends', async () => {
    const t = terminal();
    const answer = promptHidden('Password: ', t.input, t.output);
    t.input.end();
    await expect(answer).rejects.toBeInstanceOf(PromptCancelledError);
  });
});

import readline from 'node:readline';
import { Writable } from 'node:stream';
import { IncidentSnError } from '../../shared/errors';

/** The user pressed Ctrl-C or closed the input at a prompt. */
export class PromptCancelledError extends IncidentSnError {
  constructor() {
    super('Cancelled: no value was entered.', { code: 'prompt_cancelled' });
  }
}

/**
 * Asks a question on a terminal and reads the answer without echoing it: the question is written,
 * then everything readline would echo is swallowed until Enter.
 */
export function promptHidden(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let muted = false;
    const sink = new Writable({
      write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
        if (!muted) output.write(chunk);
        callback();
      },
    });
    const rl = readline.createInterface({ input, output: sink, terminal: true, historySize: 0 });
    let answered = false;
    const finish = (error: Error | null, answer?: string): void => {
      if (answered) return;
      answered = true;
      muted = false;
      rl.close();
      output.write('\n');
      if (error) reject(error);
      else resolve(answer ?? '');
    };
    rl.on('SIGINT', () => finish(new PromptCancelledError()));
    rl.on('close', () => finish(new PromptCancelledError()));
    output.write(question);
    muted = true;
    rl.question('', (answer) => finish(null, answer));
  });
}

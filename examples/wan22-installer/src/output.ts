import { redact, redactValue } from '@wan/reliability/diagnostics';

/** Receives every line shown to people (for the run log). */
export type OutputSink = (level: 'info' | 'warn', text: string) => void;

/**
 * Where text goes: with `--json` only the machine-readable result reaches stdout and everything
 * for people goes to stderr; without it, people read stdout. Every line is redacted, and copied to
 * the run log.
 */
export class Output {
  /** Whether a result was already written (so an error after it does not write a second one). */
  printed = false;

  constructor(
    readonly json: boolean,
    private readonly sink?: OutputSink,
  ) {}

  /** A line for people (stdout, or stderr under --json). */
  info(line = ''): void {
    const text = redact(line);
    this.sink?.('info', text);
    (this.json ? process.stderr : process.stdout).write(`${text}\n`);
  }

  /** While progress bars are drawn on a terminal, warnings go through this, above the bars. */
  above: ((text: string) => void) | undefined;

  /** A warning or diagnostic, always on stderr. */
  warn(line: string): void {
    const text = redact(line);
    this.sink?.('warn', text);
    if (this.above) this.above(`${text}\n`);
    else process.stderr.write(`${text}\n`);
  }

  /** The command's result: JSON on stdout under --json, else nothing (the human lines were printed). */
  result(value: unknown): void {
    if (this.json && !this.printed) process.stdout.write(`${JSON.stringify(redactValue(value), null, 2)}\n`);
    this.printed = true;
  }
}

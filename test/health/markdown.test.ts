import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cell, toMarkdown } from '../../src/health/markdown.js';
import type { HealthReport } from '../../src/health/types.js';
import { hostileReport } from './hostileReport.js';

const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<meta http-equiv=refresh content=0>',
        '<form action="http://127.0.0.1:9/">',
        '| x | y |',
        '\n# heading\n',
        '\r\n---\r\n',
        '[click](javascript:alert(1))',
        '![img](http://127.0.0.1:9/x.png)',
        '`code`',
        '**bold**',
        '<!--',
        '&lt;b&gt;',
        '\\',
        '\\|',
      ),
      fc.string({ maxLength: 6 }),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((p) => p.join(''));

/** Characters that make Markdown (or the HTML it may hold) do something, outside a backslash escape. */
function unescaped(line: string, chars: RegExp): string[] {
  const found: string[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i += 1;
    else if (chars.test(line[i]!)) found.push(line[i]!);
  }
  return found;
}

describe('toMarkdown: text from a report stays text', () => {
  it('a status it does not know is shown as unknown', () => {
    const report = { ...hostileReport(() => 'x'), status: '<b>pwned</b>' } as unknown as HealthReport;
    expect(toMarkdown(report).split('\n')[0]).toBe('# Health report: unknown');
  });

  it('hostile strings in every field: no raw HTML, links, code or table breaks (fast-check)', () => {
    const shape = toMarkdown(hostileReport(() => 'x')).split('\n');
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 6 }), (texts) => {
        const md = toMarkdown(hostileReport((i) => texts[i % texts.length]!));
        const lines = md.split('\n');
        // Same lines as a report of plain names: nothing started a heading, a rule or a row.
        expect(lines).toHaveLength(shape.length);
        lines.forEach((line, i) => {
          expect(unescaped(line, /[<>&[\]`*_!]/)).toEqual([]);
          if (line.startsWith('|'))
            expect(unescaped(line, /\|/).length).toBe(unescaped(shape[i]!, /\|/).length);
          else expect(line.slice(0, 2)).toBe(shape[i]!.slice(0, 2));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('cell() keeps plain names readable', () => {
    expect(cell('hf-downloader')).toBe('hf-downloader');
    expect(cell('model:Wan-AI/Wan2.2 T2V')).toBe('model:Wan-AI/Wan2.2 T2V');
    expect(cell('a|b')).toBe('a\\|b');
  });
});

import { describe, expect, it } from 'vitest';
import { addSecret, REDACTED, redactValue } from '../../../src/shared/redaction/redact.js';

const TOKEN = 'hf_MapSetUrlDepthToken0123456789';

describe('redactValue inside Map, Set, URL and deep values', () => {
  it('Map: secret-named keys hide scalar values; other values are redacted by content; keys are kept', () => {
    const objectKey = { id: 1 };
    const input = new Map<unknown, unknown>([
      ['Authorization', `Bearer ${TOKEN}`],
      ['apiKey', 12345678],
      ['note', `token in text: ${TOKEN}`],
      ['nested', { password: 'hunter2hunter2', ok: 'fine' }],
      [objectKey, 'plain'],
    ]);
    const out = redactValue(input);
    expect(out).toBeInstanceOf(Map);
    expect(out.get('Authorization')).toBe(REDACTED);
    expect(out.get('apiKey')).toBe(REDACTED);
    expect(out.get('note')).not.toContain(TOKEN);
    expect(out.get('nested')).toEqual({ password: REDACTED, ok: 'fine' });
    expect(out.get(objectKey)).toBe('plain');
    // The input is untouched.
    expect(input.get('Authorization')).toBe(`Bearer ${TOKEN}`);
  });

  it('Set: every member is redacted by content', () => {
    const out = redactValue(new Set([`Bearer ${TOKEN}`, 'harmless', { token: 'abcdefgh1234' }]));
    expect(out).toBeInstanceOf(Set);
    const members = [...out];
    expect(JSON.stringify(members)).not.toContain(TOKEN);
    expect(JSON.stringify(members)).not.toContain('abcdefgh1234');
    expect(members).toContain('harmless');
  });

  it('URL: userinfo and secret query parameters are removed (the value becomes its redacted href)', () => {
    const out = redactValue({
      where: new URL(`https://user:pa55word99@mirror.example/f?token=${TOKEN}&rev=main`),
    });
    expect(typeof out.where).toBe('string');
    expect(String(out.where)).not.toContain('pa55word99');
    expect(String(out.where)).not.toContain(TOKEN);
    expect(String(out.where)).toContain('rev=main');
  });

  it('values deeper than maxDepth become [Truncated], shallower ones are kept', () => {
    let deep: Record<string, unknown> = { leaf: TOKEN };
    for (let i = 0; i < 30; i++) deep = { next: deep };
    const text = JSON.stringify(redactValue(deep));
    expect(text).toContain('[Truncated]');
    expect(text).not.toContain(TOKEN);
    const shallow = redactValue({ a: { b: { c: 'kept' } } }, { maxDepth: 3 });
    expect(shallow).toEqual({ a: { b: { c: 'kept' } } });
    expect(redactValue({ a: { b: { c: 'cut' } } }, { maxDepth: 2 })).toEqual({ a: { b: '[Truncated]' } });
  });

  it('a registered secret is removed wherever it sits, also inside Map and Set values', () => {
    const secret = 'registered-secret-value-4242';
    addSecret(secret);
    const out = redactValue({ m: new Map([['k', `x ${secret} y`]]), s: new Set([`${secret}!`]) });
    expect(JSON.stringify({ m: [...out.m], s: [...out.s] })).not.toContain(secret);
  });
});

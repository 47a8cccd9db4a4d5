import { describe, expect, it } from 'vitest';
import {
  addSecret,
  isSecretName,
  REDACTED,
  redact,
  redactUrl,
  redactValue,
} from '../../../src/shared/redaction/redact.js';

describe('redact', () => {
  it('removes URL userinfo and secret-looking query parameters', () => {
    const out = redactUrl(
      'https://alice:s3cretPass@example.com/f?token=abc123xyz&x=1&X-Amz-Signature=deadbeef99&Policy=eyPolicy1&sig=zz9&access_token=qq',
    );
    expect(out).toBe(
      `https://${REDACTED}@example.com/f?token=${REDACTED}&x=1&X-Amz-Signature=${REDACTED}&Policy=${REDACTED}&sig=${REDACTED}&access_token=${REDACTED}`,
    );
  });

  it('removes token shapes anywhere', () => {
    const secrets = [
      'hf_abcdefghijklmnopqrstuvwxyz123456',
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'gho_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'AKIAIOSFODNN7EXAMPLE',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    ];
    for (const secret of secrets) {
      const out = redact(`failed with ${secret} (retry)`, { env: null });
      expect(out).not.toContain(secret);
      expect(out).toContain(REDACTED);
    }
  });

  it('keeps the scheme of Authorization values and ordinary words', () => {
    expect(redact('sent Bearer abc.DEF-ghi_123', { env: null })).toBe(`sent Bearer ${REDACTED}`);
    expect(redact('Authorization: token ghp_x1', { env: null })).toBe(`Authorization: token ${REDACTED}`);
    expect(redact('cookie: a=b; c=d', { env: null })).toBe(`cookie: ${REDACTED}`);
    expect(redact('Basic authentication failed', { env: null })).toBe('Basic authentication failed');
    expect(redact('Basic dXNlcjpwYXNzd29yZA==', { env: null })).toBe(`Basic ${REDACTED}`);
    expect(redact('hf_hub_download failed', { env: null })).toBe('hf_hub_download failed');
  });

  it('redacts secret-named pairs but not stack frames, codes or placeholders', () => {
    expect(redact('{"token":"abc","password": "xyz", "name":"ok"}', { env: null })).toBe(
      `{"token":"${REDACTED}","password": "${REDACTED}", "name":"ok"}`,
    );
    const frame = 'at get (/srv/app/monkey.ts:12:5) code: ECONNRESET status: 500';
    expect(redact(frame, { env: null })).toBe(frame);
    const hint = 'set HF_TOKEN=<your token> or api_key=$API_KEY';
    expect(redact(hint, { env: null })).toBe(hint);
  });

  it('removes the values of secret-named environment variables wherever they appear', () => {
    const env = { MY_DB_PASSWORD: 'p@ss w0rd!!', HOME: '/home/u', XDG_SESSION_TYPE: 'wayland' };
    expect(redact('login with p@ss w0rd!! failed in /home/u on wayland', { env })).toBe(
      `login with ${REDACTED} failed in /home/u on wayland`,
    );
    process.env.REDACT_TEST_SECRET = 'zz-unique-value-42';
    try {
      expect(redact('value zz-unique-value-42 here')).toBe(`value ${REDACTED} here`);
    } finally {
      delete process.env.REDACT_TEST_SECRET;
    }
    expect(redact('value zz-unique-value-42 here')).toBe('value zz-unique-value-42 here');
  });

  it('removes registered secrets until forgotten', () => {
    const forget = addSecret('in-memory-secret-1');
    expect(redact('x in-memory-secret-1 y', { env: null })).toBe(`x ${REDACTED} y`);
    forget();
    expect(redact('x in-memory-secret-1 y', { env: null })).toBe('x in-memory-secret-1 y');
  });

  it('classifies names', () => {
    for (const name of [
      'HF_TOKEN',
      'GITHUB_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'DB_PASSWORD',
      'Authorization',
      'cookie',
      'SESSION_ID',
      'apiKey',
      'sig',
      'X-Amz-Signature',
      'GOOGLE_APPLICATION_CREDENTIALS',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['PATH', 'PYTHONPATH', 'HOME', 'author', 'NODE_OPTIONS', 'code', 'status']) {
      expect(isSecretName(name), name).toBe(false);
    }
  });
});

describe('redactValue', () => {
  it('redacts deeply, by key and by content, and keeps cycles', () => {
    const input: Record<string, unknown> = {
      headers: { Authorization: 'Bearer abcdefgh', accept: 'json' },
      nested: [{ url: 'https://u:p4ssword@h.example/x?token=abc' }],
      error: new Error('Bearer abcdefghij', { cause: new Error('at https://u:pw123456@h/') }),
      count: 3,
    };
    input.self = input;
    const out = redactValue(input) as Record<string, unknown>;
    const text = JSON.stringify(out, (key, value) => (key === 'self' ? undefined : value));
    expect(text).not.toContain('abcdefgh');
    expect(text).not.toContain('p4ssword');
    expect(text).not.toContain('pw123456');
    expect(text).toContain('"accept":"json"');
    expect(out.self).toBe(out);
    expect(out.count).toBe(3);
    // The input is not modified.
    expect((input.headers as Record<string, string>).Authorization).toBe('Bearer abcdefgh');
  });
});

describe('redact — placeholders and short values', () => {
  it('keeps instructions that name a secret without holding one', () => {
    const curl = 'curl -H "Authorization: Bearer $HF_TOKEN" https://huggingface.co/x';
    expect(redact(curl, { env: null })).toBe(curl);
    const ps = '-Headers @{ Authorization = "Bearer $env:HF_TOKEN" }';
    expect(redact(ps, { env: null })).toBe(ps);
    expect(redact('Authorization: <token>', { env: null })).toBe('Authorization: <token>');
  });

  it('redacts short Bearer values and 4-character env secrets, but not settings', () => {
    expect(redact('Bearer abc', { env: null })).toBe(`Bearer ${REDACTED}`);
    const env = { SHORT_PASSWORD: 'hunt', NPM_CONFIG_ALWAYS_AUTH: 'true' };
    expect(redact('pw hunt, retryable true', { env })).toBe(`pw ${REDACTED}, retryable true`);
  });
});

describe('redact — values that only look like placeholders', () => {
  it('still redacts secrets starting with $ or %', () => {
    expect(redact('password=$2b$10$abcdefghijkl', { env: null })).toBe(`password=${REDACTED}`);
    expect(redact('https://h/x?token=%2Fabc%3Ddef', { env: null })).toBe(`https://h/x?token=${REDACTED}`);
    expect(redact('Authorization: Bearer $notAVar!', { env: null })).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
  });
});

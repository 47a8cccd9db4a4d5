// The patterns the redactor recognises, each at its edges: the smallest real secret of a shape is
// removed whole, a word that only starts like one stays readable. Table-driven, so a pattern that
// is loosened or tightened by one character shows up as one failing row.
import { describe, expect, it } from 'vitest';
import { isSecretName, REDACTED, redact, redactHeaders } from '../../../src/shared/redaction/redact.js';

const clean = (text: string) => redact(text, { env: null });

describe('token shapes', () => {
  it.each([
    ['api_org_abcdefghij', 'Hub organisation token'],
    ['sk-abcdefghijklmnopqrstuvwx', 'OpenAI-style key without a project prefix'],
    ['sk-proj-abcdefghijklmnopqrstuvwx', 'OpenAI project key'],
    ['xoxb-1234567890-abc', 'Slack bot token'],
    ['glpat-abcdefghijklmnopqrst', 'GitLab token'],
    ['npm_abcdefghijklmnopqrstuvwxyz0123', 'npm token'],
    ['AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', 'Google API key'],
    ['eyJhbGciOiJI.eyJzdWIi.SflKxwRJSMeKKF2QT4fw', 'JWT, all three parts'],
  ])('%s (%s) is removed whole', (secret) => {
    expect(clean(`before ${secret} after`)).toBe(`before ${REDACTED} after`);
  });

  it.each(['api_org_x', 'sk-x', 'xoxb-1', 'glpat-x', 'npm_x', 'AIzaX', 'xoxz-1234567890-abc'])(
    '%s only starts like a token and stays',
    (word) => {
      expect(clean(`before ${word} after`)).toBe(`before ${word} after`);
    },
  );

  it('Bearer and Basic credentials after any run of white space', () => {
    expect(clean('got Bearer\t\tabcdefgh123')).toBe(`got Bearer ${REDACTED}`);
    expect(clean('got Basic  dXNlcjpwYXNzd29yZA==')).toBe(`got Basic ${REDACTED}`);
  });

  it.each([
    ['abcdefghij1', 'a digit late in the value'],
    ['abcdefgHij', 'one capital letter after lower case'],
    ['ABcdefghij', 'two capitals in a row'],
  ])('Basic %s (%s) looks encoded and is removed', (value) => {
    expect(clean(`sent Basic ${value}`)).toBe(`sent Basic ${REDACTED}`);
  });

  it('Basic followed by an ordinary capitalised word stays readable', () => {
    expect(clean('Basic Authentication required')).toBe('Basic Authentication required');
  });

  it('a PEM private key is removed from BEGIN to END, and to the end of a cut log', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY-----';
    expect(clean(`before\n${key}\nafter`)).toBe(`before\n${REDACTED}\nafter`);
    expect(clean('cut: -----BEGIN PRIVATE KEY-----\nMIIEvQ\nIBADAN')).toBe(`cut: ${REDACTED}`);
  });
});

describe('header lines, userinfo and placeholders', () => {
  it.each([
    ['{"cookie": "session=abc; theme=dark"}', `{"cookie": "${REDACTED}"}`],
    ['Cookie : a=1; theme=dark', `Cookie : ${REDACTED}`],
    ['Cookie:sid=abc; theme=dark', `Cookie:${REDACTED}`],
  ])('the whole value of %s goes', (text, expected) => {
    expect(clean(text)).toBe(expected);
  });

  it('a password containing @ leaves no part behind in URL userinfo', () => {
    expect(clean('https://alice:p@ssw0rd@host.example/x')).toBe(`https://${REDACTED}@host.example/x`);
  });

  it.each(['set password=%DB_PASSWORD% now', 'password: ***', 'Authorization: Bearer {{ token }}'])(
    'the placeholder in %s is kept',
    (text) => {
      expect(clean(text)).toBe(text);
    },
  );

  it('URL-valued headers (Location, Content-Location, Refresh) lose their query', () => {
    expect(redactHeaders({ refresh: '0; url=https://cdn.example/f?X-Sig=abc' })).toEqual({
      refresh: '0; url=https://cdn.example/f',
    });
  });
});

describe('secret names and values', () => {
  it('names: PASSWD inside a longer word, SIG only as a whole segment', () => {
    expect(isSecretName('MYSQLPASSWD')).toBe(true);
    expect(isSecretName('signal_strength')).toBe(false);
    expect(isSecretName('X-Signed-By')).toBe(false);
  });

  it('settings under secret-looking names are not secrets', () => {
    const values = ['false', 'null', 'none', 'undefined', 'enabled', 'disabled', 'required', 'optional'];
    const env = Object.fromEntries(values.map((value, i) => [`SETTING_${i}_TOKEN`, value]));
    const text = `flags: ${values.join(' ')}`;
    expect(redact(text, { env })).toBe(text);
  });

  it('well-known variables whose names only look secret keep their values visible', () => {
    const env = {
      PWD: '/home/user/project',
      OLDPWD: '/home/user/previous',
      XDG_SESSION_TYPE: 'wayland',
      XDG_SESSION_CLASS: 'user-class',
      XDG_SESSION_DESKTOP: 'gnome-desk',
      XDG_SESSION_ID: 'c2-session',
      DESKTOP_SESSION: 'ubuntu-desk',
      SSH_AUTH_SOCK: '/run/user/1000/ssh.sock',
      KEYTIMEOUT: '40000',
      MONKEYPATCH: 'monkey-on',
    };
    const text = Object.values(env).join(' | ');
    expect(redact(text, { env })).toBe(text);
  });
});

describe('name: value pairs', () => {
  it.each([
    ['db.password=hunter22', `db.password=${REDACTED}`],
    ['password: hunter22', `password: ${REDACTED}`],
    ['cfg.token:abc123', `cfg.token:${REDACTED}`],
    ['api_key:1234567', `api_key:${REDACTED}`],
  ])('%s loses its value', (text, expected) => {
    expect(clean(text)).toBe(expected);
  });

  it.each([
    'token_url: https://auth.example/token',
    'at load (/srv/app/monkey.ts:12:5)',
    'x_api_key: Token $HF_TOKEN',
    'Cookie:   ',
  ])('%s is not a secret and stays', (text) => {
    expect(clean(text)).toBe(text);
  });

  it('a word before a secret that was already removed stays readable', () => {
    expect(redact('x_token: Custom s3cr3t-value', { env: null, secrets: ['s3cr3t-value'] })).toBe(
      `x_token: Custom ${REDACTED}`,
    );
  });
});

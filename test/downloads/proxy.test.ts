import { describe, expect, it } from 'vitest';
import { proxyAuthHeaders } from '../../src/proxy/auth.js';
import { type ProxyConfig, type ProxyEnv, proxyConfigFromEnv } from '../../src/proxy/config.js';
import { bypassesProxy, isLoopbackHost } from '../../src/proxy/noProxy.js';
import { proxyFor } from '../../src/proxy/resolve.js';

// One resolver serves the Downloader and the preflight network check; these rows pin its rules,
// including the six points where the two used to disagree (marked "was divergent").
interface Row {
  readonly name: string;
  readonly url: string;
  readonly env?: ProxyEnv;
  readonly config?: ProxyConfig | false;
  /** Expected proxy host[:port], or undefined for a direct connection. */
  readonly expected: string | undefined;
}

const rows: readonly Row[] = [
  // Variable precedence (was divergent: preflight read upper-case first).
  {
    name: 'lower-case wins',
    url: 'http://a.example/',
    env: { http_proxy: 'low:1', HTTP_PROXY: 'up:2' },
    expected: 'low:1',
  },
  {
    name: 'upper-case HTTP_PROXY accepted',
    url: 'http://a.example/',
    env: { HTTP_PROXY: 'up:2' },
    expected: 'up:2',
  },
  {
    name: 'https lower wins',
    url: 'https://a.example/',
    env: { https_proxy: 'low:1', HTTPS_PROXY: 'up:2' },
    expected: 'low:1',
  },
  {
    name: 'scheme-specific only',
    url: 'https://a.example/',
    env: { http_proxy: 'plain:1' },
    expected: undefined,
  },
  // ALL_PROXY (was divergent: the Downloader ignored it).
  { name: 'all_proxy fallback', url: 'https://a.example/', env: { ALL_PROXY: 'all:3' }, expected: 'all:3' },
  {
    name: 'all_proxy lower first',
    url: 'http://a.example/',
    env: { all_proxy: 'low:3', ALL_PROXY: 'up:4' },
    expected: 'low:3',
  },
  {
    name: 'scheme beats all_proxy',
    url: 'http://a.example/',
    env: { HTTP_PROXY: 'up:2', all_proxy: 'all:3' },
    expected: 'up:2',
  },
  // Empty / whitespace values are unset (was divergent: an empty lower-case name hid the upper-case one).
  {
    name: 'empty lower-case falls through',
    url: 'http://a.example/',
    env: { http_proxy: '', HTTP_PROXY: 'up:2' },
    expected: 'up:2',
  },
  {
    name: 'whitespace falls through',
    url: 'https://a.example/',
    env: { https_proxy: '  ', ALL_PROXY: 'all:3' },
    expected: 'all:3',
  },
  {
    name: 'whitespace only is direct',
    url: 'http://a.example/',
    env: { http_proxy: ' \t' },
    expected: undefined,
  },
  { name: 'value trimmed', url: 'http://a.example/', env: { http_proxy: ' http://p:5 ' }, expected: 'p:5' },
  {
    name: 'empty no_proxy falls through',
    url: 'http://a.example/',
    env: { http_proxy: 'p:5', no_proxy: ' ', NO_PROXY: 'a.example' },
    expected: undefined,
  },
  // Loopback: real literals only (was divergent: preflight treated any "127." prefix as loopback).
  { name: '127.0.0.1 direct', url: 'http://127.0.0.1:9/', env: { http_proxy: 'p:5' }, expected: undefined },
  { name: '127.255.0.9 direct', url: 'http://127.255.0.9/', env: { http_proxy: 'p:5' }, expected: undefined },
  { name: 'localhost direct', url: 'http://localhost:9/', env: { http_proxy: 'p:5' }, expected: undefined },
  { name: '[::1] direct', url: 'http://[::1]:9/', env: { http_proxy: 'p:5' }, expected: undefined },
  {
    name: '127.example.com proxied',
    url: 'http://127.example.com/',
    env: { http_proxy: 'p:5' },
    expected: 'p:5',
  },
  { name: '128.0.0.1 proxied', url: 'http://128.0.0.1/', env: { http_proxy: 'p:5' }, expected: 'p:5' },
  {
    name: 'explicit config proxies loopback',
    url: 'http://127.0.0.1:9/',
    config: { http: 'p:5' },
    expected: 'p:5',
  },
  {
    name: 'false is direct',
    url: 'http://a.example/',
    config: false,
    env: { http_proxy: 'p:5' },
    expected: undefined,
  },
  // NO_PROXY entries.
  {
    name: 'no_proxy *',
    url: 'https://a.example/',
    env: { https_proxy: 'p:5', NO_PROXY: '*' },
    expected: undefined,
  },
  {
    name: 'no_proxy lower first',
    url: 'https://a.example/',
    env: { https_proxy: 'p:5', no_proxy: 'b.example', NO_PROXY: 'a.example' },
    expected: 'p:5',
  },
  {
    name: 'domain suffix',
    url: 'https://cdn.a.example/',
    env: { https_proxy: 'p:5', NO_PROXY: 'a.example' },
    expected: undefined,
  },
  {
    name: '.domain suffix',
    url: 'https://cdn.a.example/',
    env: { https_proxy: 'p:5', NO_PROXY: '.a.example' },
    expected: undefined,
  },
  {
    name: 'not a substring',
    url: 'https://nota.example/',
    env: { https_proxy: 'p:5', NO_PROXY: 'a.example' },
    expected: 'p:5',
  },
  {
    name: 'host:port match',
    url: 'https://a.example:8443/',
    env: { https_proxy: 'p:5', NO_PROXY: 'a.example:8443' },
    expected: undefined,
  },
  {
    name: 'host:port other port',
    url: 'https://a.example/',
    env: { https_proxy: 'p:5', NO_PROXY: 'a.example:8443' },
    expected: 'p:5',
  },
  {
    name: 'IPv4 literal',
    url: 'http://10.1.2.3/',
    env: { http_proxy: 'p:5', NO_PROXY: 'x.org, 10.1.2.3' },
    expected: undefined,
  },
  {
    name: 'IPv4 no suffix match',
    url: 'http://10.1.2.3/',
    env: { http_proxy: 'p:5', NO_PROXY: '1.2.3' },
    expected: 'p:5',
  },
  {
    name: 'IPv4 with port',
    url: 'http://10.1.2.3:81/',
    env: { http_proxy: 'p:5', NO_PROXY: '10.1.2.3:81' },
    expected: undefined,
  },
  // Bracketed IPv6 (was divergent: the Downloader could not parse `[v6]:port`, preflight not a bare v6).
  {
    name: 'bare IPv6',
    url: 'http://[fd00::1]:8080/',
    env: { http_proxy: 'p:5', NO_PROXY: 'fd00::1' },
    expected: undefined,
  },
  {
    name: 'bare IPv6 long form',
    url: 'http://[fd00::1]/',
    env: { http_proxy: 'p:5', NO_PROXY: 'fd00:0:0:0:0:0:0:1' },
    expected: undefined,
  },
  {
    name: 'bracketed IPv6',
    url: 'http://[fd00::1]/',
    env: { http_proxy: 'p:5', NO_PROXY: '[fd00::1]' },
    expected: undefined,
  },
  {
    name: 'bracketed IPv6 port',
    url: 'http://[fd00::1]:8080/',
    env: { http_proxy: 'p:5', NO_PROXY: '[fd00::1]:8080' },
    expected: undefined,
  },
  {
    name: 'bracketed IPv6 other port',
    url: 'http://[fd00::1]:9090/',
    env: { http_proxy: 'p:5', NO_PROXY: '[fd00::1]:8080' },
    expected: 'p:5',
  },
  {
    name: '[::1]:8080 explicit',
    url: 'http://[::1]:8080/',
    config: { http: 'p:5', noProxy: '[::1]:8080' },
    expected: undefined,
  },
  {
    name: '[::1]:8080 other port',
    url: 'http://[::1]:8081/',
    config: { http: 'p:5', noProxy: '[::1]:8080' },
    expected: 'p:5',
  },
  // Proxy values that cannot be used.
  {
    name: 'socks is direct',
    url: 'https://a.example/',
    env: { ALL_PROXY: 'socks5://s:1080' },
    expected: undefined,
  },
  {
    name: 'https proxy kept',
    url: 'https://a.example/',
    env: { https_proxy: 'https://p:443' },
    expected: 'p',
  },
];

describe('proxy resolver (shared by Downloader and preflight)', () => {
  it.each(rows)('$name', ({ url, env, config, expected }) => {
    expect(proxyFor(new URL(url), config, env ?? {})?.host).toBe(expected);
  });

  it('reads the environment into one config', () => {
    expect(
      proxyConfigFromEnv({ HTTP_PROXY: 'up:1', https_proxy: '', ALL_PROXY: 'all:2', no_proxy: 'x' }),
    ).toEqual({ http: 'up:1', https: 'all:2', noProxy: 'x' });
    expect(proxyConfigFromEnv({})).toEqual({ http: undefined, https: undefined, noProxy: undefined });
  });

  it('knows loopback literals from look-alike names', () => {
    expect(isLoopbackHost('[0:0:0:0:0:0:0:1]')).toBe(true);
    expect(isLoopbackHost('app.localhost')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.nip.io')).toBe(false);
    expect(isLoopbackHost('::2')).toBe(false);
  });

  it('ignores empty NO_PROXY entries', () => {
    expect(bypassesProxy(new URL('https://a.example/'), ' , ,')).toBe(false);
    expect(bypassesProxy(new URL('https://a.example/'), undefined)).toBe(false);
  });

  // Credentials shape (was divergent: one helper returned a string, the other a header object and
  // skipped a password-only userinfo).
  it.each([
    ['http://bob:secret@p:1', 'bob:secret'],
    ['http://us%40er:p%3Ass@p:1', 'us@er:p:ss'],
    ['http://bob@p:1', 'bob:'],
    ['http://:token@p:1', ':token'],
    ['http://bad%zz:x@p:1', 'bad%zz:x'],
  ])('Proxy-Authorization for %s', (proxy, credentials) => {
    expect(proxyAuthHeaders(new URL(proxy))).toEqual({
      'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}`,
    });
  });

  it('sends no Proxy-Authorization without userinfo', () => {
    expect(proxyAuthHeaders(new URL('http://p:1'))).toEqual({});
  });
});

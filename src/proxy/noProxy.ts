import { isIP } from 'node:net';

/** A URL's host without IPv6 brackets or a trailing dot, lower-case (IPv6 in WHATWG-normal form). */
function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** Normal form of an IPv6 literal (so `0:0:0:0:0:0:0:1` equals `::1`), or undefined. */
function normalIpv6(text: string): string | undefined {
  if (isIP(text) !== 6) return undefined;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * Whether a host is a loopback address: `localhost` (and `*.localhost`, RFC 6761), an IPv4 literal
 * in 127.0.0.0/8 or `::1`. A name that merely starts with `127.` (e.g. `127.example.com`) is not.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return normalIpv6(host) === '::1';
}

interface Entry {
  readonly host: string;
  readonly port: string | undefined;
  readonly ip: boolean;
}

function parseEntry(raw: string): Entry | undefined {
  const text = raw.trim().toLowerCase();
  if (text === '') return undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    const host = normalIpv6(bracketed[1] as string);
    return host === undefined ? undefined : { host, port: bracketed[2], ip: true };
  }
  // A bare IPv6 literal has no port: its last group would be indistinguishable from one.
  const ipv6 = normalIpv6(text);
  if (ipv6 !== undefined) return { host: ipv6, port: undefined, ip: true };
  const withPort = /^(.*):(\d+)$/.exec(text);
  const name = (withPort ? (withPort[1] as string) : text).replace(/^\*?\./, '').replace(/\.$/, '');
  if (name === '') return undefined;
  return { host: name, port: withPort?.[2], ip: isIP(name) !== 0 };
}

/**
 * Whether `url` bypasses the proxy according to a NO_PROXY list (comma- or space-separated): `*`
 * matches everything; a name matches itself and its subdomains (`domain`, `.domain` and `*.domain`
 * alike, never an IP address); an IP literal (IPv4, bare IPv6, or `[IPv6]`) matches only that address; any entry may
 * carry `:port` (bracketed form for IPv6) to match only that port.
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = hostOf(url);
  const hostIsIp = isIP(host) !== 0;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    if (raw.trim() === '*') return true;
    const entry = parseEntry(raw);
    if (!entry) continue;
    if (entry.port !== undefined && entry.port !== port) continue;
    if (host === entry.host) return true;
    // Suffix matching is for names only: `1.2.3` must not cover the address 10.1.2.3.
    if (!entry.ip && !hostIsIp && host.endsWith(`.${entry.host}`)) return true;
  }
  return false;
}

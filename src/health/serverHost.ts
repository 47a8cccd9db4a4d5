import { isIP } from 'node:net';
import os from 'node:os';
import { ConfigurationError } from '../errors/ConfigurationError.js';

/**
 * The host name of a `Host` header without its port, lower case, without a trailing dot; IPv6
 * literals lose their brackets. Undefined when the header is missing or malformed.
 */
export function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const text = header.trim().toLowerCase();
  if (text === '' || /[\s/@?#\\]/.test(text)) return undefined;
  let name: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    name = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
  } else {
    const parts = text.split(':');
    if (parts.length > 2 || (parts.length === 2 && !/^\d{1,5}$/.test(parts[1] ?? ''))) return undefined;
    name = parts[0] ?? '';
  }
  name = name.replace(/\.$/, '');
  return name === '' ? undefined : name;
}

const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/**
 * The `Host` values the server answers (DNS-rebinding protection): `localhost`, the loopback
 * addresses, the host it was asked to bind and the address it bound, plus `allowedHosts`. Bound to
 * every interface (`0.0.0.0`, `::`), the machine's own addresses and host name are added.
 * A page on an attacker's domain that rebinds the name to 127.0.0.1 still sends its own name as
 * Host, so it is refused (421) before anything (host name, pid, components) is read.
 */
export function allowedHostSet(
  requestedHost: string,
  boundAddress: string,
  extra: readonly string[] | undefined,
): ReadonlySet<string> {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1']);
  for (const value of [requestedHost, boundAddress]) {
    const name = value.toLowerCase().replace(/^\[|\]$/g, '');
    if (!WILDCARDS.has(name)) names.add(name);
  }
  if (WILDCARDS.has(requestedHost) || WILDCARDS.has(boundAddress)) {
    names.add(os.hostname().toLowerCase());
    for (const list of Object.values(os.networkInterfaces())) {
      for (const info of list ?? []) names.add(info.address.toLowerCase().replace(/%.*$/, ''));
    }
  }
  for (const value of extra ?? []) names.add(value.toLowerCase().replace(/\.$/, ''));
  return names;
}

/** Validates `allowedHosts`: host names or IP literals, without ports or schemes. */
export function validAllowedHosts(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const ok =
    Array.isArray(value) &&
    value.every(
      (v) =>
        typeof v === 'string' &&
        (isIP(v) !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(v)),
    );
  if (!ok)
    throw new ConfigurationError(
      'serve.allowedHosts',
      'an array of host names or IP addresses (no ports)',
      value,
    );
  return value as string[];
}

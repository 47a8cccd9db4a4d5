// Userinfo arrives percent-encoded; a malformed escape is sent as written rather than throwing.
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The `Proxy-Authorization` header for a proxy URL with userinfo (`http://user:pass@proxy:3128`,
 * percent-escapes decoded) as `{ 'proxy-authorization': 'Basic …' }`, or `{}` without userinfo.
 * Spread it into the headers of the request sent to the proxy (never to the target).
 */
export function proxyAuthHeaders(proxy: URL): Record<string, string> {
  if (!proxy.username && !proxy.password) return {};
  const credentials = `${decode(proxy.username)}:${decode(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

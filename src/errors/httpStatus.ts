import type { ErrorCategory } from './category.js';

/** How the package treats an HTTP status. */
export interface HttpStatusInfo {
  /** Category of the status. */
  readonly category: ErrorCategory;
  /** Whether a retry may succeed. */
  readonly retryable: boolean;
  /** What a user can do. */
  readonly remediation: readonly string[];
}

const AUTH_STEPS = [
  'Set a valid access token: export HF_TOKEN=<token> or run `huggingface-cli login`.',
  'For gated models, accept the licence on the model page while logged in with the same account.',
  'If a signed download URL expired, run the operation again to get a fresh one.',
];

/** Classifies an HTTP status code; `undefined` for codes that are not errors. */
export function classifyHttpStatus(status: number): HttpStatusInfo | undefined {
  if (!Number.isInteger(status) || status < 400 || status > 599) return undefined;
  if (status === 401 || status === 403)
    return { category: 'authentication', retryable: false, remediation: AUTH_STEPS };
  if (status === 407)
    return {
      category: 'authentication',
      retryable: false,
      remediation: ['The proxy requires credentials: put them in HTTPS_PROXY (http://user:pass@host:port).'],
    };
  if (status === 408)
    return { category: 'timeout', retryable: true, remediation: ['The server timed out waiting; retrying.'] };
  if (status === 429)
    return {
      category: 'rate_limit',
      retryable: true,
      remediation: [
        'The server is rate limiting requests; the installer waits as long as the server asks.',
        'Use an access token (HF_TOKEN) for higher limits, or configure a mirror.',
      ],
    };
  if (status === 404 || status === 410)
    return {
      category: 'configuration',
      retryable: false,
      remediation: [
        'The file was not found: check the repository id, revision and file name, or try another mirror.',
      ],
    };
  if (status === 416)
    return {
      category: 'validation',
      retryable: false,
      remediation: [
        'The server rejected the requested byte range; the partial file is discarded and downloaded again.',
      ],
    };
  if (status === 501 || status === 505)
    return {
      category: 'network',
      retryable: false,
      remediation: ['The server does not support this request.'],
    };
  if (status >= 500)
    return {
      category: 'network',
      retryable: true,
      remediation: ['The server had a temporary problem; retrying, then trying other mirrors.'],
    };
  return {
    category: 'validation',
    retryable: false,
    remediation: [`The server rejected the request (HTTP ${status}); check the URL and request options.`],
  };
}

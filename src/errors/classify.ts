import { globalRegistry } from '../shared/globalRegistry.js';
import type { HeaderSource } from '../shared/headers.js';
import { serverDelayFromHeaders } from '../shared/retryAfter.js';
import { ConfigurationError } from './ConfigurationError.js';
import { type ErrorCategory, RETRYABLE_BY_DEFAULT } from './category.js';
import { classifyHttpStatus } from './httpStatus.js';
import { isReliabilityError } from './ReliabilityError.js';
import { DEFAULT_REMEDIATION } from './remediation.js';
import { isArraySafe, isInstance, readProperty } from './thrown.js';

/** What the package concluded about an error. */
export interface ErrorClassification {
  /** The failure category. */
  readonly category: ErrorCategory;
  /** Whether trying again may succeed. */
  readonly retryable: boolean;
  /** A server-directed wait (Retry-After, RateLimit, breaker cool-down), in ms. */
  readonly retryAfterMs?: number;
  /** What a user can do, most specific first. */
  readonly remediation: readonly string[];
  /** The error's code (Node `code`, the package's `code`), when it has one. */
  readonly code?: string;
  /** The HTTP status, when the error carries one. */
  readonly status?: number;
}

/** What a user classifier may return: at least a category; the rest is filled from defaults. */
export type ClassifierResult = {
  /** The category the classifier decided on. */
  category: ErrorCategory;
} & Partial<Omit<ErrorClassification, 'category'>>;

/** A user classifier; return `undefined` to let the next one (and finally the built-ins) decide. */
export type ErrorClassifier = (error: unknown) => ClassifierResult | undefined;

/** Options for {@link classifyError}. */
export interface ClassifyOptions {
  /** Classifiers tried before the globally registered ones and the built-ins. */
  classifiers?: readonly ErrorClassifier[];
  /** Current time for HTTP-date Retry-After values (ms since the epoch). */
  now?: number;
}

/** Registered classifiers, shared by every loaded copy of the package (see globalRegistry). */
const registered = globalRegistry<ErrorClassifier[]>('classifiers', () => []);

/**
 * Registers a classifier that runs before the built-in rules for every classifyError call in the
 * process (for example to map a component's own error codes). Returns a function that removes it.
 * Anything but a function throws ConfigurationError.
 */
export function registerClassifier(classifier: ErrorClassifier): () => void {
  if (typeof classifier !== 'function') {
    throw new ConfigurationError(
      'registerClassifier(classifier)',
      'a function (error) => { category } | undefined',
      classifier,
    );
  }
  registered.push(classifier);
  return () => {
    const index = registered.indexOf(classifier);
    if (index >= 0) registered.splice(index, 1);
  };
}

interface CodeRule {
  category: ErrorCategory;
  retryable?: boolean;
  remediation?: readonly string[];
}

const TLS_STEPS = [
  'A TLS certificate could not be verified: a proxy or antivirus may be intercepting HTTPS traffic.',
  "Point NODE_EXTRA_CA_CERTS at your organisation's CA certificate, or use a network without interception.",
];

const CODE_RULES: Readonly<Record<string, CodeRule>> = {
  ECONNRESET: { category: 'network' },
  ECONNREFUSED: { category: 'network' },
  ECONNABORTED: { category: 'network' },
  ENOTFOUND: {
    category: 'network',
    remediation: ['The host name could not be resolved: check DNS, the mirror URL and the proxy settings.'],
  },
  EAI_AGAIN: {
    category: 'network',
    remediation: ['DNS lookup failed temporarily; check the network connection.'],
  },
  EHOSTUNREACH: { category: 'network' },
  ENETUNREACH: { category: 'network' },
  ENETDOWN: { category: 'network' },
  EPIPE: { category: 'network' },
  EPROTO: { category: 'network' },
  ERR_STREAM_PREMATURE_CLOSE: { category: 'network' },
  UND_ERR_SOCKET: { category: 'network' },
  UND_ERR_CLOSED: { category: 'network' },
  ETIMEDOUT: { category: 'timeout' },
  ESOCKETTIMEDOUT: { category: 'timeout' },
  UND_ERR_CONNECT_TIMEOUT: { category: 'timeout' },
  UND_ERR_HEADERS_TIMEOUT: { category: 'timeout' },
  UND_ERR_BODY_TIMEOUT: { category: 'timeout' },
  CERT_HAS_EXPIRED: { category: 'network', retryable: false, remediation: TLS_STEPS },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { category: 'network', retryable: false, remediation: TLS_STEPS },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { category: 'network', retryable: false, remediation: TLS_STEPS },
  SELF_SIGNED_CERT_IN_CHAIN: { category: 'network', retryable: false, remediation: TLS_STEPS },
  DEPTH_ZERO_SELF_SIGNED_CERT: { category: 'network', retryable: false, remediation: TLS_STEPS },
  ERR_TLS_CERT_ALTNAME_INVALID: { category: 'network', retryable: false, remediation: TLS_STEPS },
  EACCES: { category: 'permission' },
  EPERM: { category: 'permission' },
  EROFS: {
    category: 'permission',
    remediation: ['The file system is read-only: choose an install folder on a writable volume.'],
  },
  ENOSPC: { category: 'disk_full' },
  EDQUOT: {
    category: 'disk_full',
    remediation: ['Your disk quota is exhausted: free space in your quota or choose another volume.'],
  },
  EMFILE: {
    category: 'resource_exhaustion',
    remediation: ['Too many open files: lower the concurrency or raise the limit (ulimit -n).'],
  },
  ENFILE: { category: 'resource_exhaustion' },
  ENOMEM: { category: 'resource_exhaustion' },
  EAGAIN: { category: 'resource_exhaustion' },
  EBUSY: {
    category: 'system',
    retryable: true,
    remediation: ['A file is in use by another program (antivirus, indexer); the operation is retried.'],
  },
  ENOENT: { category: 'system', retryable: false },
  EISDIR: { category: 'system', retryable: false },
  ENOTDIR: { category: 'system', retryable: false },
  EEXIST: { category: 'system', retryable: false },
  EXDEV: { category: 'system', retryable: false },
  MODULE_NOT_FOUND: {
    category: 'dependency',
    remediation: ['A required module is not installed: run `npm ci` (or `pip install -r requirements.txt`).'],
  },
  ERR_MODULE_NOT_FOUND: {
    category: 'dependency',
    remediation: ['A required module is not installed: run `npm ci` (or `pip install -r requirements.txt`).'],
  },
  ERR_INVALID_ARG_TYPE: { category: 'validation' },
  ERR_INVALID_ARG_VALUE: { category: 'validation' },
};

/** The fields the built-in rules look at, read once and safely (a getter may throw). */
interface Fields {
  readonly code: unknown;
  readonly status: unknown;
  readonly statusCode: unknown;
  readonly name: unknown;
  readonly message: unknown;
  readonly retryable: unknown;
  readonly retryAfterMs: unknown;
  readonly headers: unknown;
  readonly response: unknown;
  readonly cause: unknown;
  readonly errors: unknown;
}

function fieldsOf(error: object): Fields {
  return {
    code: readProperty(error, 'code'),
    status: readProperty(error, 'status'),
    statusCode: readProperty(error, 'statusCode'),
    name: readProperty(error, 'name'),
    message: readProperty(error, 'message'),
    retryable: readProperty(error, 'retryable'),
    retryAfterMs: readProperty(error, 'retryAfterMs'),
    headers: readProperty(error, 'headers'),
    response: readProperty(error, 'response'),
    cause: readProperty(error, 'cause'),
    errors: readProperty(error, 'errors'),
  };
}

function build(
  category: ErrorCategory,
  extra: {
    retryable?: boolean | undefined;
    retryAfterMs?: number | undefined;
    remediation?: readonly string[] | undefined;
    code?: string | undefined;
    status?: number | undefined;
  } = {},
): ErrorClassification {
  const result: {
    category: ErrorCategory;
    retryable: boolean;
    remediation: readonly string[];
    retryAfterMs?: number;
    code?: string;
    status?: number;
  } = {
    category,
    retryable: extra.retryable ?? RETRYABLE_BY_DEFAULT[category],
    remediation:
      extra.remediation && extra.remediation.length > 0 ? extra.remediation : DEFAULT_REMEDIATION[category],
  };
  if (extra.retryAfterMs !== undefined) result.retryAfterMs = extra.retryAfterMs;
  if (extra.code !== undefined) result.code = extra.code;
  if (extra.status !== undefined) result.status = extra.status;
  return result;
}

function statusOf(error: Fields): number | undefined {
  const response = error.response;
  for (const value of [
    error.status,
    error.statusCode,
    readProperty(response, 'status'),
    readProperty(response, 'statusCode'),
  ]) {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
  }
  return undefined;
}

function headersOf(error: Fields): HeaderSource | undefined {
  const headers = error.headers ?? readProperty(error.response, 'headers');
  return typeof headers === 'object' && headers !== null ? (headers as HeaderSource) : undefined;
}

/** A server-directed delay from headers; hostile header objects (throwing getters) count as none. */
function delayFrom(fields: Fields, now: number): number | undefined {
  if (typeof fields.retryAfterMs === 'number') return fields.retryAfterMs;
  try {
    return serverDelayFromHeaders(headersOf(fields), now);
  } catch {
    return undefined;
  }
}

function builtIn(error: unknown, now: number, depth: number): ErrorClassification {
  if (typeof error !== 'object' || error === null) return build('unknown');
  const fields = fieldsOf(error);
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const status = statusOf(fields);
  const retryAfterMs = delayFrom(fields, now);
  const explicitRetryable = typeof fields.retryable === 'boolean' ? fields.retryable : undefined;

  if (isReliabilityError(error)) {
    const retryable =
      explicitRetryable ??
      (code === 'ERR_RETRIES_EXHAUSTED'
        ? false
        : status !== undefined
          ? classifyHttpStatus(status)?.retryable
          : undefined);
    const category = readProperty(error, 'category');
    const remediation = readProperty(error, 'remediation');
    const known = typeof category === 'string' && Object.hasOwn(RETRYABLE_BY_DEFAULT, category);
    return build(known ? (category as ErrorCategory) : 'unknown', {
      retryable,
      retryAfterMs,
      remediation: stringsOf(remediation),
      code,
      status,
    });
  }
  if (fields.name === 'AbortError') return build('cancelled', { code });
  if (fields.name === 'TimeoutError') return build('timeout', { code, retryable: explicitRetryable });

  if (code !== undefined) {
    const rule =
      CODE_RULES[code] ??
      (code.startsWith('ERR_SSL_')
        ? { category: 'network' as const, retryable: false, remediation: TLS_STEPS }
        : undefined);
    if (rule) {
      return build(rule.category, {
        retryable: explicitRetryable ?? rule.retryable,
        remediation: rule.remediation,
        code,
      });
    }
  }
  if (status !== undefined) {
    const info = classifyHttpStatus(status);
    if (info) {
      return build(info.category, {
        retryable: explicitRetryable ?? info.retryable,
        retryAfterMs,
        remediation: info.remediation,
        code,
        status,
      });
    }
  }
  if (
    isInstance(error, TypeError) &&
    typeof fields.message === 'string' &&
    /is not a function/.test(fields.message)
  ) {
    return build('missing_method', { code });
  }
  // fetch() and many wrappers hide the real cause one level down.
  if (depth < 5 && fields.cause !== undefined && fields.cause !== error) {
    const inner = builtIn(fields.cause, now, depth + 1);
    if (inner.category !== 'unknown') return inner;
  }
  // An AggregateError's first error; a hostile array (a Proxy whose reads throw) counts as empty.
  const errorCount = isArraySafe(fields.errors) ? readProperty(fields.errors, 'length') : 0;
  if (depth < 5 && typeof errorCount === 'number' && errorCount > 0) {
    return builtIn(readProperty(fields.errors, 0), now, depth + 1);
  }
  return build('unknown', { code, retryable: explicitRetryable });
}

/** Most remediation steps taken from an error (a longer list is a hostile value, not advice). */
const MAX_STEPS = 32;

/**
 * A copy of an error's remediation steps, read safely: the strings of an array, at most
 * {@link MAX_STEPS}; `undefined` when it is not an array or cannot be read.
 */
function stringsOf(value: unknown): readonly string[] | undefined {
  if (!isArraySafe(value)) return undefined;
  const length = readProperty(value, 'length');
  if (typeof length !== 'number') return undefined;
  const steps: string[] = [];
  for (let i = 0; i < Math.min(length, MAX_STEPS); i++) {
    const step = readProperty(value, i);
    if (typeof step === 'string') steps.push(step);
  }
  return steps;
}

function fromClassifiers(
  error: unknown,
  classifiers: readonly ErrorClassifier[],
): ErrorClassification | undefined {
  for (const classifier of classifiers) {
    try {
      const result: ClassifierResult | undefined = classifier(error);
      if (result) {
        return build(result.category, {
          retryable: result.retryable,
          retryAfterMs: result.retryAfterMs,
          remediation: stringsOf(result.remediation),
          code: result.code,
          status: result.status,
        });
      }
    } catch {
      // A classifier that trips over a hostile value (a throwing getter), or answers with one, has
      // no opinion on it.
    }
  }
  return undefined;
}

/**
 * Classifies any thrown value: the category, whether it is worth retrying, a server-directed
 * delay when there is one, and remediation steps. Classifiers passed in `options` run first, then
 * those added with {@link registerClassifier}, then the built-in rules (the package's own errors,
 * Node error codes, HTTP statuses, `x is not a function`, and the `cause` chain).
 *
 * Never throws: any value is classified, including `null`, objects whose getters throw and revoked
 * Proxies (a field that cannot be read counts as absent; such values usually end up `unknown`).
 * A classifier that throws is skipped as if it had returned `undefined`.
 */
export function classifyError(error: unknown, options: ClassifyOptions = {}): ErrorClassification {
  if (options.classifiers && options.classifiers.length > 0) {
    const own = fromClassifiers(error, options.classifiers);
    if (own) return own;
  }
  if (registered.length > 0) {
    const global = fromClassifiers(error, registered);
    if (global) return global;
  }
  return builtIn(error, options.now ?? Date.now(), 0);
}

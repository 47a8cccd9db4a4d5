import type { z as Z } from 'zod';
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors/category.js';
import { lazyRequire } from '../shared/lazyRequire.js';
import { HEALTH_REPORT_SCHEMA, HEALTH_REPORT_VERSION, type HealthStatus } from './types.js';

/** A status as the fleet view shows it: one of the known ones, or `unknown` for anything else. */
export type FleetStatus = HealthStatus | 'unknown';

const STATUSES: ReadonlySet<string> = new Set<HealthStatus>(['healthy', 'degraded', 'unhealthy']);
const CATEGORIES: ReadonlySet<string> = new Set(ERROR_CATEGORIES);

/** `value` when it is a known status, else `unknown` (a report's text never reaches markup as is). */
export function knownStatus(value: unknown): FleetStatus {
  return typeof value === 'string' && STATUSES.has(value) ? (value as HealthStatus) : 'unknown';
}

/**
 * The schema of a health report as the fleet view reads it: every field it uses, with its type.
 * Unknown fields are dropped (later versions may add some); unknown statuses become `unknown` and
 * unknown error categories `unknown`, rather than failing the whole report.
 */
function buildSchema(z: typeof Z) {
  const count = z.number().min(0);
  const status = z.string().transform(knownStatus);
  const category = z.string().transform((c) => (CATEGORIES.has(c) ? (c as ErrorCategory) : 'unknown'));
  const counts = z.record(z.string(), count);
  return z.object({
    schema: z.literal(HEALTH_REPORT_SCHEMA),
    version: z.literal(HEALTH_REPORT_VERSION),
    generatedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO time'),
    instance: z.object({ id: z.string().min(1), hostname: z.string() }),
    status,
    totals: z.object({
      calls: count,
      failures: count.optional(),
      successRate: z.number().min(0).max(1),
      errors: counts.optional(),
      attempts: count.optional(),
      attemptErrors: counts.optional(),
    }),
    components: z.array(z.object({ name: z.string(), status, calls: count, successes: count, p95: count })),
    install: z.object({ success: z.boolean(), durationMs: count, category: category.optional() }).optional(),
    recovery: z
      .object({
        strategies: z.array(z.object({ category, strategy: z.string(), attempts: count, successes: count })),
      })
      .optional(),
  });
}

type Schema = ReturnType<typeof buildSchema>;
/** A health report after validation: only the fields the fleet view reads, statuses known. */
export type FleetInput = Z.output<Schema>;

let schema: Schema | undefined;

/** JSON path of an issue, `components[0].name` style. */
function where(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(report)';
}

/**
 * Validates one input. Reasons name the field and the expected type, never the value (a report may
 * hold anything, a token included). Never throws: exotic objects (getters that throw) are reasons too.
 */
export function parseReport(value: unknown): { report: FleetInput } | { problem: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'not an object' };
  const r = value as { schema?: unknown; version?: unknown };
  try {
    // The two identifying fields first, with the messages readers of mixed folders expect.
    if (r.schema !== HEALTH_REPORT_SCHEMA) return { problem: `schema is not "${HEALTH_REPORT_SCHEMA}"` };
    if (r.version !== HEALTH_REPORT_VERSION) {
      const v = typeof r.version === 'number' ? String(r.version) : typeof r.version;
      return { problem: `unsupported version ${v}` };
    }
    schema ??= buildSchema(lazyRequire<{ z: typeof Z }>('zod').z);
    const result = schema.safeParse(value);
    if (result.success) return { report: result.data };
    const issues = result.error.issues.slice(0, 3).map((i) => `${where(i.path)}: ${issueText(i)}`);
    const more = result.error.issues.length - issues.length;
    return { problem: `${issues.join('; ')}${more > 0 ? ` (+${more} more)` : ''}` };
  } catch {
    return { problem: 'cannot be read (an accessor threw)' };
  }
}

/** zod's message without any echo of the input. */
function issueText(issue: Z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') return `out of range`;
  if (issue.code === 'invalid_value') return 'not an accepted value';
  if (issue.code === 'custom') return issue.message;
  return issue.code.replace(/_/g, ' ');
}

import type { z as Z } from 'zod';
import { jsonPath } from '../../integrity/manifestCross.js';
import { lazyRequire } from '../../shared/lazyRequire.js';
import type { JournalData } from './types.js';

// The journal as it must be on disk. Everything the code later relies on is checked here, so a
// file of the right version but the wrong shape is set aside instead of failing later with a
// TypeError. Unknown keys are dropped (zod's default), which also drops a `__proto__` key.
function buildSchema(z: typeof Z) {
  const text = z.string().min(1);
  const owner = z.object({ id: text, pid: z.number().int().positive() });
  const change = z.object({
    kind: text,
    path: z.string().optional(),
    backup: z.string().optional(),
    data: z.json().optional(),
  });
  const step = z.object({
    name: text,
    status: z.enum(['running', 'done', 'failed', 'undone']),
    attempts: z.number().int().nonnegative(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    result: z.json().optional(),
    error: z.string().optional(),
    changes: z.array(change),
  });
  const run = z.object({
    id: text,
    operation: text,
    status: z.enum(['running', 'completed', 'failed', 'rolled-back', 'rolling-back']),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    meta: z.json().optional(),
    owner: owner.optional(),
    steps: z.array(step).superRefine((steps, ctx) => {
      const names = new Set<string>();
      for (const [index, s] of steps.entries()) {
        if (names.has(s.name))
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: 'a second step with this name' });
        names.add(s.name);
      }
    }),
  });
  return z.object({
    version: z.literal(1),
    runs: z.array(run).superRefine((runs, ctx) => {
      const ids = new Set<string>();
      for (const [index, r] of runs.entries()) {
        if (ids.has(r.id))
          ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'a second run with this id' });
        ids.add(r.id);
      }
    }),
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;

/** Checks parsed JSON against the journal format; says what is wrong where when it is not. */
export function parseJournal(value: unknown): JournalData | { corrupt: string } {
  schema ??= buildSchema(lazyRequire<{ z: typeof Z }>('zod').z);
  let result: ReturnType<typeof schema.safeParse>;
  try {
    result = schema.safeParse(value);
  } catch (error) {
    // A value nested deeply enough to exhaust the stack is not a journal this package wrote.
    return { corrupt: `unusable content (${(error as Error).message})` };
  }
  if (result.success) return result.data as JournalData;
  const issue = result.error.issues[0];
  const where = issue ? jsonPath(issue.path) : '$';
  // zod's messages name types and allowed values, never the input itself.
  return { corrupt: `wrong shape at ${where}: ${issue?.message ?? 'invalid'}` };
}

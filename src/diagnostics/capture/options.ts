import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { isArraySafe } from '../../errors/thrown.js';
import {
  optionalBoolean,
  optionalCount,
  optionalFunction,
  optionalNumber,
  optionalObject,
} from '../../shared/validate.js';
import type { ErrorContextCapturerOptions } from './ErrorContextCapturer.js';

/** Longest delay setTimeout honours; a longer snapshot timeout would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

function stringTable(option: string, value: unknown): void {
  const table = optionalObject<Record<string, unknown>>(option, value);
  if (!table) return;
  for (const [key, entry] of Object.entries(table)) {
    if (entry !== undefined && typeof entry !== 'string') {
      throw new ConfigurationError(`${option}.${key}`, 'a string', entry);
    }
  }
}

/**
 * Validates the capturer's options (throwing {@link ConfigurationError}): a capturer is created at
 * start-up and used when something already failed, so a mistake must show now, not then.
 */
export function validateCapturerOptions(options: ErrorContextCapturerOptions): void {
  optionalObject('ErrorContextCapturer options', options);
  const timeout = optionalNumber('ErrorContextCapturer.snapshotTimeout', options.snapshotTimeout);
  if (timeout !== undefined && timeout > MAX_TIMER_MS) {
    throw new ConfigurationError(
      'ErrorContextCapturer.snapshotTimeout',
      `a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
      timeout,
    );
  }
  const probe = optionalObject<Record<string, unknown>>('ErrorContextCapturer.probe', options.probe);
  for (const [key, member] of Object.entries(probe ?? {})) {
    optionalFunction(`ErrorContextCapturer.probe.${key}`, member);
  }
  stringTable('ErrorContextCapturer.env', options.env);
  const allow = options.envAllowList;
  if (allow !== undefined && !(isArraySafe(allow) && allow.every((name) => typeof name === 'string'))) {
    throw new ConfigurationError('ErrorContextCapturer.envAllowList', 'an array of variable names', allow);
  }
  const secrets = options.secrets;
  if (
    secrets !== undefined &&
    typeof secrets !== 'function' &&
    // A string is iterable too, but as characters: too short to be redacted, so the token would leak.
    (typeof secrets === 'string' ||
      typeof (secrets as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] !== 'function')
  ) {
    throw new ConfigurationError(
      'ErrorContextCapturer.secrets',
      'an iterable of strings or a function returning one',
      // Never the value itself: it is meant to hold secrets.
      typeof secrets === 'string' ? '[a string]' : secrets,
    );
  }
  optionalBoolean('ErrorContextCapturer.redactHomeDir', options.redactHomeDir);
  const classify = optionalObject<{ classifiers?: unknown }>(
    'ErrorContextCapturer.classify',
    options.classify,
  );
  if (classify?.classifiers !== undefined) {
    const list = classify.classifiers;
    if (!(isArraySafe(list) && list.every((c) => typeof c === 'function'))) {
      throw new ConfigurationError(
        'ErrorContextCapturer.classify.classifiers',
        'an array of functions',
        list,
      );
    }
  }
  const limits = optionalObject<Record<string, unknown>>('ErrorContextCapturer.limits', options.limits);
  for (const key of ['maxCauseDepth', 'maxAggregate', 'maxFrames', 'maxMessageLength'] as const) {
    optionalCount(`ErrorContextCapturer.limits.${key}`, limits?.[key]);
  }
  optionalCount('ErrorContextCapturer.maxCorrelations', options.maxCorrelations);
  optionalFunction('ErrorContextCapturer.onCapture', options.onCapture);
}

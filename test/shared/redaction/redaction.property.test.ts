import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorContextCapturer } from '../../../src/diagnostics/capture/ErrorContextCapturer.js';
import type { ErrorContext } from '../../../src/diagnostics/capture/types.js';
import { fastProbe } from '../../diagnostics/capture/fakeProbe.js';
import {
  arbitrarySecret,
  between,
  chars,
  TOKEN68,
  tokenShaped,
  urlSafeSecret,
} from '../../support/secrets.js';

// One capturer with an instant probe for every run: the property is about redaction, not probes.
const capturer = new ErrorContextCapturer({ probe: fastProbe() });
const ISSUE_TEMPLATE = 'https://github.com/wan/installer/issues/new?title={title}&body={body}';

const secretName = fc
  .tuple(
    fc.string({ unit: chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 1, maxLength: 6 }),
    fc.constantFrom(
      'TOKEN',
      'SECRET',
      'PASSWORD',
      'API_KEY',
      'KEY',
      'AUTH',
      'CREDENTIAL',
      'COOKIE',
      'SESSION',
      'PASSWD',
    ),
    fc.constantFrom('', '_VALUE', '_2'),
  )
  .map(([prefix, word, suffix]) => `WANPROP_${prefix}_${word}${suffix}`);

/** Token68 text after `Bearer` (not otherwise recognisable). */
const bearerToken = between(TOKEN68, 8, 60);

interface Placed {
  envName: string;
  envSecret: string;
  token: string;
  bearer: string;
  userinfo: string;
  query: string;
}

function buildError(p: Placed): Error {
  const innermost = Object.assign(new Error(`inner failure with ${p.envSecret} and ${p.token}`), {
    code: 'ECONNRESET',
    detail: { note: `env secret ${p.envSecret}`, url: `https://h.example/x?access_token=${p.query}` },
  });
  const aggregate = new AggregateError(
    [innermost, new Error(`mirror said: token ${p.token} rejected`)],
    `all mirrors failed for https://user:${p.userinfo}@mirror.example.com/m?token=${p.query}&sig=${p.query}`,
  );
  const top = new Error(`request failed: Authorization: Bearer ${p.bearer}; env=${p.envSecret}`, {
    cause: aggregate,
  });
  top.stack = `Error: request failed ${p.token}\n    at fetch (/srv/${p.envSecret}/dl.js:10:5)\n    at run (/srv/app/${p.token}.js:3:1)`;
  return top;
}

async function outputs(context: ErrorContext): Promise<string[]> {
  const markdown = capturer.report(context, { format: 'markdown', issueUrl: ISSUE_TEMPLATE });
  const json = capturer.report(context, { format: 'json', issueUrl: ISSUE_TEMPLATE });
  const link = /\[File this report as an issue\]\((\S+)\)/.exec(markdown)?.[1] ?? '';
  const url = new URL(link);
  return [
    JSON.stringify(context),
    JSON.stringify(context, null, 2),
    markdown,
    json,
    url.searchParams.get('body') ?? '',
    url.searchParams.get('title') ?? '',
    capturer.issueUrl(context, ISSUE_TEMPLATE),
  ];
}

describe('redaction property', () => {
  it('no output of capture() or report() contains a placed secret', async () => {
    // Text that appears whatever the secret is (structure, labels, JSON indentation): an arbitrary
    // secret that happens to be part of it cannot be told apart from it, so such draws are skipped.
    const baseline = (
      await outputs(
        await capturer.capture(
          buildError({
            envName: 'X',
            envSecret: 'ENVSECRET',
            token: 'TOKEN',
            bearer: 'BEARER',
            userinfo: 'UI',
            query: 'Q',
          }),
          {
            phase: 'download',
            component: 'downloader',
            operation: 'download',
            correlationId: 'corr',
            retryCount: 1,
          },
        ),
      )
    ).join('\n');

    await fc.assert(
      fc.asyncProperty(
        secretName,
        fc.oneof(arbitrarySecret, tokenShaped),
        tokenShaped,
        bearerToken,
        urlSafeSecret,
        urlSafeSecret,
        async (envName, envSecret, token, bearer, userinfo, query) => {
          const secrets = [envSecret, token, bearer, userinfo, query];
          fc.pre(secrets.every((secret) => !baseline.includes(secret) && !'[REDACTED]'.includes(secret)));
          fc.pre(!envName.includes(envSecret));
          process.env[envName] = envSecret;
          try {
            const context = await capturer.capture(
              buildError({ envName, envSecret, token, bearer, userinfo, query }),
              {
                phase: 'download',
                component: 'downloader',
                operation: 'download',
                correlationId: 'corr',
                retryCount: 1,
              },
            );
            for (const output of await outputs(context)) {
              for (const secret of secrets) {
                if (output.includes(secret)) {
                  throw new Error(`secret ${JSON.stringify(secret)} leaked in ${output.slice(0, 200)}`);
                }
              }
            }
            // Still useful after redaction.
            expect(context.code).toBe('ECONNRESET');
            expect(context.error.cause?.name).toBe('AggregateError');
          } finally {
            delete process.env[envName];
          }
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
  });
});

import type { PortedRule } from './ruleTypes.js';

// Token formats gitleaks has no rule for (checked against its config at the commit in
// gitleaksRules.ts), from the vendors' documented prefixes. Lengths are kept loose on purpose:
// redaction errs on the side of removing; the entropy floor keeps words like `gsk_example` readable.

/** Our own rules, applied with gitleaks' (same engine, same fields). */
export const OWN_RULES: readonly PortedRule[] = [
  // Replicate API tokens: `r8_` + 37 alphanumerics.
  {
    id: 'replicate-api-token',
    pattern: ['u', 'r8_[A-Za-z0-9]{30,60}'],
    flags: '',
    keywords: ['r8_'],
    entropy: 3,
  },
  // Groq API keys: `gsk_` + 52 alphanumerics.
  { id: 'groq-api-key', pattern: ['u', 'gsk_[A-Za-z0-9]{40,64}'], flags: '', keywords: ['gsk_'], entropy: 3 },
  // Docker Hub personal and organisation access tokens: `dckr_pat_` / `dckr_oat_` + 27 characters.
  {
    id: 'docker-access-token',
    pattern: ['u', 'dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,64}'],
    flags: '',
    keywords: ['dckr_pat_', 'dckr_oat_'],
    entropy: 3,
  },
  // Discord bot tokens: base64 user id, `.`, timestamp, `.`, HMAC (gitleaks only matches Discord
  // values next to the word "discord").
  {
    id: 'discord-bot-token',
    pattern: [
      'r',
      '(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6,7}\\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])',
    ],
    flags: '',
    keywords: [],
    entropy: 3.5,
  },
];

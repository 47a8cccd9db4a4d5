/**
 * How a secret rule's expression is stored: `['s', identifiers, secret]` and `['u', secret]` are
 * the two templates gitleaks builds most rules from (a value assigned to a provider-named key; a
 * token with a distinctive prefix), `['r', source]` any other expression.
 */
export type RulePattern = readonly ['s', string, string] | readonly ['u', string] | readonly ['r', string];

/** A rule's allowlist: a finding it matches is an example or placeholder, not a secret. */
export interface RuleAllowlist {
  /** What the regexes test: the secret (default), the whole match, or the line. */
  readonly target: 'secret' | 'match' | 'line';
  /** Expressions as `[source, flags]`. */
  readonly regexes: readonly (readonly [string, string])[];
  /** A secret containing one of these (lower case) is allowed. */
  readonly stopwords: readonly string[];
  /** Both the regexes and the stopwords must match (gitleaks' `condition = "AND"`). */
  readonly all: boolean;
}

/** A token rule as stored (see scripts/port-gitleaks-rules.mjs). */
export interface PortedRule {
  /** gitleaks' rule id, e.g. `stripe-access-token` (our own rules: see ownRules.ts). */
  readonly id: string;
  /** The expression. */
  readonly pattern: RulePattern;
  /** JavaScript flags (`i` where gitleaks is case-insensitive anywhere in the expression). */
  readonly flags: string;
  /** Lower-case words one of which must occur in a text for the rule to run; empty: always runs. */
  readonly keywords: readonly string[];
  /** Minimum Shannon entropy (bits per character) of the secret; lower is not a finding. */
  readonly entropy?: number;
  /** Which capture group is the secret (default: the first non-empty one, else the whole match). */
  readonly secretGroup?: number;
  /** Findings to leave alone. */
  readonly allow?: readonly RuleAllowlist[];
}

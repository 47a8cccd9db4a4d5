/**
 * fast-check generators of secrets as the redaction must recognise them, shared by the redaction
 * properties (capture and reports, ConfigurationError messages).
 */
import fc from 'fast-check';

/** One character of `set`. */
export function chars(set: string): fc.Arbitrary<string> {
  return fc.constantFrom(...set.split(''));
}
export const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const B64URL = `${ALNUM}-_`;
export const TOKEN68 = `${ALNUM}-._~+/`;
/** Strings of exactly `length` characters of `set`. */
export const fixed = (set: string, length: number): fc.Arbitrary<string> =>
  fc.string({ unit: chars(set), minLength: length, maxLength: length });
/** Strings of `min`…`max` characters of `set`. */
export const between = (set: string, min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: chars(set), minLength: min, maxLength: max });

/** Realistic token shapes: recognised by shape alone, wherever they appear. */
export const tokenShaped = fc.oneof(
  fixed(ALNUM, 34).map((s) => `hf_${s}`),
  fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghs_', 'ghu_'), fixed(ALNUM, 36)).map(([p, s]) => p + s),
  fc.tuple(fixed(ALNUM, 22), fixed(ALNUM, 59)).map(([a, b]) => `github_pat_${a}_${b}`),
  fixed(UPPER_DIGITS, 16).map((s) => `AKIA${s}`),
  fc
    .tuple(between(B64URL, 10, 40), between(B64URL, 10, 60), between(B64URL, 16, 43))
    .map(([h, p, s]) => `eyJ${h}.eyJ${p}.${s}`),
);

/** Characters a password may hold inside URL userinfo / a query value without ending it. */
export const urlSafeSecret = between(`${ALNUM}-._~!$*+`, 8, 40);

/** Printable strings of length ≥ 8: only recognisable because they sit in a secret-named variable. */
export const arbitrarySecret = fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8);

/**
 * The learning rule: a strategy's likelihood of fixing a category of failure is its
 * Laplace-smoothed success rate (successes + 1) / (attempts + 2). A new strategy starts at 0.5,
 * one that worked 12 of 14 times has 0.8125, one that failed 4 of 4 has 0.1667.
 */
export function likelihood(successes: number, attempts: number): number {
  return (successes + 1) / (attempts + 2);
}

/** "alternative-source: worked 12 of 14 times" / "alternative-source: not tried yet". */
export function likelihoodText(strategy: string, successes: number, attempts: number): string {
  if (attempts === 0) return `${strategy}: not tried yet`;
  return `${strategy}: worked ${successes} of ${attempts} time${attempts === 1 ? '' : 's'}`;
}

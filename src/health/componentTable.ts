import type { CallOutcome } from '../policies/wrap/hooks.js';
import { ComponentStats, OperationStats } from './stats.js';

/** The name components and operations beyond the limits are folded into. */
const OTHER = '(other)';

/** Sizes of the per-component rolling state. */
export interface TableLimits {
  /** Recent outcomes per component that the success rate is computed over. */
  readonly window: number;
  /** Recent durations per component kept for p50/p95. */
  readonly samples: number;
  /** Distinct components tracked; more are folded into `(other)`. */
  readonly maxComponents: number;
  /** Distinct operations tracked per component; more are folded into `(other)`. */
  readonly maxOperations: number;
}

/**
 * The rolling state of every component and operation, bounded by {@link TableLimits}. Recording is
 * O(1): the last component (and each component's last operation) is remembered, so a burst of calls
 * to the same operation needs no map lookup.
 */
export class ComponentTable {
  readonly #components = new Map<string, ComponentStats>();
  #last: ComponentStats | undefined;
  readonly #limits: TableLimits;

  constructor(limits: TableLimits) {
    this.#limits = limits;
  }

  /** Records one call's outcome; negative or non-finite durations count as 0. */
  record(outcome: CallOutcome): void {
    const componentName = outcome.component;
    let c = this.#last;
    if (c === undefined || c.name !== componentName) {
      c = this.#components.get(componentName) ?? this.#createComponent(componentName);
      this.#last = c;
    }
    const operationName = outcome.operation;
    let op = c.lastOperation;
    if (op === undefined || op.name !== operationName) {
      op = c.operations.get(operationName) ?? this.#createOperation(c, operationName);
      c.lastOperation = op;
    }
    const d = outcome.durationMs;
    const ms = d > 0 && d < Number.POSITIVE_INFINITY ? d : 0;
    const success = outcome.success === true;
    c.record(success, ms, outcome.category, outcome.recovered);
    op.record(success, ms, outcome.category, outcome.recovered);
  }

  /**
   * Records an attempt that failed and was followed by another attempt of the same call: it counts
   * towards the operation's attempts and failed attempts, never towards call outcomes or status.
   */
  recordRetried(component: string, operation: string, category: string | undefined): void {
    const c = this.#components.get(component) ?? this.#createComponent(component);
    const op = c.operations.get(operation) ?? this.#createOperation(c, operation);
    op.recordRetried(category);
  }

  /** The component named `name`, if recorded. */
  get(name: string): ComponentStats | undefined {
    return this.#components.get(name);
  }

  /** Names of the components seen so far. */
  names(): string[] {
    return [...this.#components.keys()];
  }

  /** Every component, in the order first seen. */
  values(): IterableIterator<ComponentStats> {
    return this.#components.values();
  }

  /** Forgets every component. */
  clear(): void {
    this.#components.clear();
    this.#last = undefined;
  }

  #createComponent(name: unknown): ComponentStats {
    const key = typeof name === 'string' ? name : String(name);
    const existing = this.#components.get(key);
    if (existing) return existing;
    const { maxComponents } = this.#limits;
    if (this.#components.size >= maxComponents) {
      const other = this.#components.get(OTHER);
      if (other) return other;
    }
    const stats = new ComponentStats(
      this.#components.size >= maxComponents ? OTHER : key,
      this.#limits.window,
      this.#limits.samples,
    );
    this.#components.set(stats.name, stats);
    return stats;
  }

  #createOperation(c: ComponentStats, name: unknown): OperationStats {
    const key = typeof name === 'string' ? name : String(name);
    const existing = c.operations.get(key);
    if (existing) return existing;
    const { maxOperations } = this.#limits;
    if (c.operations.size >= maxOperations) {
      const other = c.operations.get(OTHER);
      if (other) return other;
    }
    const stats = new OperationStats(c.operations.size >= maxOperations ? OTHER : key);
    c.operations.set(stats.name, stats);
    return stats;
  }
}

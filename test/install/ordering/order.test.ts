import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DependencyCycleError } from '../../../src/errors/DependencyCycleError.js';
import { findCycle, orderByDependencies } from '../../../src/install/ordering/order.js';

describe('orderByDependencies', () => {
  it('puts dependencies first, then priority, then input order', () => {
    const order = orderByDependencies([
      { id: 'verify', dependsOn: ['models'] },
      { id: 'models', dependsOn: ['preflight'] },
      { id: 'config', dependsOn: ['venv'] },
      { id: 'venv', dependsOn: ['preflight'] },
      { id: 'preflight' },
      { id: 'report', dependsOn: ['verify', 'config'], priority: 5 },
      { id: 'notes', priority: -1 },
    ]).map((n) => n.id);
    expect(order).toEqual(['preflight', 'models', 'verify', 'venv', 'config', 'report', 'notes']);
  });

  it('names the cycle', () => {
    const nodes = [
      { id: 'a', dependsOn: ['b'] },
      { id: 'b', dependsOn: ['c'] },
      { id: 'c', dependsOn: ['a'] },
      { id: 'd' },
    ];
    expect(() => orderByDependencies(nodes)).toThrow(DependencyCycleError);
    try {
      orderByDependencies(nodes);
    } catch (error) {
      expect((error as DependencyCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
      expect((error as Error).message).toBe('Dependency cycle: a → b → c → a');
      expect((error as DependencyCycleError).category).toBe('validation');
    }
    expect(findCycle([{ id: 'x', dependsOn: ['x'] }])).toEqual(['x', 'x']);
  });

  it('rejects unknown dependencies and duplicate ids', () => {
    expect(() => orderByDependencies([{ id: 'a', dependsOn: ['zz'] }])).toThrow(/zz/);
    expect(() => orderByDependencies([{ id: 'a' }, { id: 'a' }])).toThrow(/unique/);
  });

  it('property: every node comes after its dependencies, or a real cycle is named', () => {
    const graph = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.array(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: 4 }), {
        minLength: n,
        maxLength: n,
      }),
    );
    fc.assert(
      fc.property(graph, (edges) => {
        const nodes = edges.map((deps, i) => ({ id: `n${i}`, dependsOn: deps.map((d) => `n${d}`) }));
        try {
          const order = orderByDependencies(nodes).map((n) => n.id);
          expect(order.length).toBe(nodes.length);
          for (const node of nodes) {
            for (const dep of node.dependsOn) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(node.id));
          }
        } catch (error) {
          expect(error).toBeInstanceOf(DependencyCycleError);
          const cycle = (error as DependencyCycleError).cycle;
          expect(cycle[0]).toBe(cycle.at(-1));
          for (let i = 0; i + 1 < cycle.length; i++) {
            const node = nodes.find((n) => n.id === cycle[i]);
            expect(node?.dependsOn).toContain(cycle[i + 1]);
          }
        }
      }),
    );
  });
});

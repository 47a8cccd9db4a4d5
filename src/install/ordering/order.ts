import { ConfigurationError } from '../../errors/ConfigurationError.js';
import { DependencyCycleError } from '../../errors/DependencyCycleError.js';

/** Something that must come after the things it depends on. */
export interface OrderNode {
  /** Unique id. */
  readonly id: string;
  /** Ids that must come first. Default none. */
  readonly dependsOn?: readonly string[];
  /** Among nodes whose dependencies are met, higher comes first. Default 0. */
  readonly priority?: number;
}

/**
 * Orders nodes so each comes after everything it depends on. Among nodes that are ready at the
 * same time, higher `priority` comes first, then input order (so the result is deterministic).
 * Throws {@link DependencyCycleError} naming a cycle, or `ConfigurationError` for duplicate ids
 * and dependencies on unknown ids.
 */
export function orderByDependencies<T extends OrderNode>(nodes: readonly T[]): T[] {
  const byId = new Map<string, { node: T; index: number }>();
  nodes.forEach((node, index) => {
    if (typeof node?.id !== 'string' || node.id === '') {
      throw new ConfigurationError(`nodes[${index}].id`, 'a non-empty string', node?.id);
    }
    if (byId.has(node.id)) throw new ConfigurationError(`nodes[${index}].id`, 'a unique id', node.id);
    byId.set(node.id, { node, index });
  });
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const deps = new Set(node.dependsOn ?? []);
    for (const dep of deps) {
      if (!byId.has(dep)) {
        throw new ConfigurationError(
          `${node.id}.dependsOn`,
          `ids of known nodes (${[...byId.keys()].join(', ')})`,
          dep,
        );
      }
      dependents.set(dep, [...(dependents.get(dep) ?? []), node.id]);
    }
    waitingOn.set(node.id, deps.size);
  }
  const rank = (id: string) => byId.get(id) as { node: T; index: number };
  const before = (a: string, b: string) => {
    const x = rank(a);
    const y = rank(b);
    return (y.node.priority ?? 0) - (x.node.priority ?? 0) || x.index - y.index;
  };
  const ready = nodes.filter((node) => waitingOn.get(node.id) === 0).map((node) => node.id);
  const ordered: T[] = [];
  while (ready.length > 0) {
    ready.sort(before);
    const id = ready.shift() as string;
    ordered.push(rank(id).node);
    for (const next of dependents.get(id) ?? []) {
      const left = (waitingOn.get(next) ?? 0) - 1;
      waitingOn.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (ordered.length < nodes.length) throw new DependencyCycleError(findCycle(nodes) ?? []);
  return ordered;
}

/**
 * A dependency cycle among `nodes` (first id repeated at the end), or undefined when there is none.
 * Dependencies on unknown ids are ignored here.
 */
export function findCycle(nodes: readonly OrderNode[]): string[] | undefined {
  const deps = new Map(nodes.map((node) => [node.id, node.dependsOn ?? []] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node.id);
    if (cycle) return cycle;
  }
  return undefined;
}

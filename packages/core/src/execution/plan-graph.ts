import { QuarryError } from '../errors.ts';
import type { PlanStep } from '../planner/plan.ts';

/** A plan as flat arrays: unmet dependency counts and dependents in CSR form. */
export interface PlanGraph {
  readonly remaining: Int32Array;
  /** Dependents of step i are `dependents[dependentsStart[i] .. dependentsStart[i + 1])`. */
  readonly dependentsStart: Int32Array;
  readonly dependents: Int32Array;
  readonly fromCheckpoint: Uint8Array;
}

/**
 * Indexes a plan's steps for scheduling in O(steps + edges): checks ids are unique, dependencies
 * exist (in the plan or in `completed`) and form no cycle, else throws `QUARRY_BAD_PLAN`.
 */
export function indexPlan(steps: readonly PlanStep[], completed: ReadonlySet<string> | undefined): PlanGraph {
  const n = steps.length;
  const indexById = new Map<string, number>();
  let rawEdges = 0;
  for (let i = 0; i < n; i++) {
    const step = steps[i] as PlanStep;
    const previous = indexById.get(step.id);
    if (previous !== undefined) {
      throw new QuarryError(
        'QUARRY_BAD_PLAN',
        `Plan step id "${step.id}" appears twice (steps ${previous + 1} and ${i + 1}); step ids must be unique. Build the plan with the planner rather than by hand.`,
      );
    }
    indexById.set(step.id, i);
    rawEdges += step.dependsOn.length;
  }
  const fromCheckpoint = new Uint8Array(n);
  if (completed !== undefined && completed.size > 0) {
    for (let i = 0; i < n; i++) if (completed.has((steps[i] as PlanStep).id)) fromCheckpoint[i] = 1;
  }

  // Edges into or out of checkpointed steps are already satisfied, so they are left out.
  const edgeSource = new Int32Array(rawEdges);
  const edgeTarget = new Int32Array(rawEdges);
  const remaining = new Int32Array(n);
  const outDegree = new Int32Array(n);
  let edges = 0;
  for (let i = 0; i < n; i++) {
    if (fromCheckpoint[i] === 1) continue;
    const step = steps[i] as PlanStep;
    for (const dep of step.dependsOn) {
      const d = indexById.get(dep);
      if (d === undefined) {
        if (completed?.has(dep) === true) continue;
        throw new QuarryError(
          'QUARRY_BAD_PLAN',
          `Plan step "${step.id}" depends on "${dep}", which is neither a step of the plan nor a completed step. Build the plan with the planner rather than by hand.`,
        );
      }
      if (fromCheckpoint[d] === 1) continue;
      edgeSource[edges] = d;
      edgeTarget[edges] = i;
      edges++;
      remaining[i] = (remaining[i] as number) + 1;
      outDegree[d] = (outDegree[d] as number) + 1;
    }
  }
  const dependentsStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) dependentsStart[i + 1] = (dependentsStart[i] as number) + (outDegree[i] as number);
  const fill = dependentsStart.slice(0, n);
  const dependents = new Int32Array(edges);
  for (let e = 0; e < edges; e++) {
    const s = edgeSource[e] as number;
    const slot = fill[s] as number;
    dependents[slot] = edgeTarget[e] as number;
    fill[s] = slot + 1;
  }
  const graph = { remaining, dependentsStart, dependents, fromCheckpoint };
  assertAcyclic(steps, graph, indexById);
  return graph;
}

// Kahn's algorithm up front, so a cycle is a clear error instead of a run that never ends.
function assertAcyclic(steps: readonly PlanStep[], graph: PlanGraph, indexById: ReadonlyMap<string, number>): void {
  const n = steps.length;
  const left = graph.remaining.slice();
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let expected = 0;
  for (let i = 0; i < n; i++) {
    if (graph.fromCheckpoint[i] === 1) continue;
    expected++;
    if (left[i] === 0) queue[tail++] = i;
  }
  while (head < tail) {
    const s = queue[head++] as number;
    for (let k = graph.dependentsStart[s] as number; k < (graph.dependentsStart[s + 1] as number); k++) {
      const d = graph.dependents[k] as number;
      left[d] = (left[d] as number) - 1;
      if (left[d] === 0) queue[tail++] = d;
    }
  }
  if (tail === expected) return;
  // Every stuck step has a stuck dependency, so following them from any stuck step must loop.
  let current = left.findIndex((count, i) => count > 0 && graph.fromCheckpoint[i] === 0);
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    const step = steps[current] as PlanStep;
    let next = -1;
    for (const dep of step.dependsOn) {
      const d = indexById.get(dep);
      if (d !== undefined && (left[d] as number) > 0) {
        next = d;
        break;
      }
    }
    current = next;
  }
  const cycle = path.slice(seenAt.get(current)).map((i) => (steps[i] as PlanStep).id);
  const shown = cycle.length > 10 ? [...cycle.slice(0, 10), '…'] : [...cycle, cycle[0] as string];
  throw new QuarryError(
    'QUARRY_BAD_PLAN',
    `Plan steps depend on each other in a cycle: ${shown.map((id) => `"${id}"`).join(' → ')} (each depends on the next). Build the plan with the planner, which rejects asset cycles.`,
  );
}

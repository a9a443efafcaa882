export * from './plan.ts';
export * from './planner.ts';
export * from './partition-targets.ts';

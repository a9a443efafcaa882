export * from './clock.ts';
export * from './manual-clock.ts';
export * from './classify-step-error.ts';
export * from './run-summary.ts';
export * from './execution-event.ts';
export * from './step-logger.ts';
export * from './executor.ts';
export * from './progress.ts';

export * from './log-settings.ts';
export * from './secret-scrubber.ts';
export * from './logger.ts';
export * from './run-log.ts';
export * from './tracing.ts';

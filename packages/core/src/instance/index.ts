export * from './instance-types.ts';
export * from './instance.ts';
export * from './load-project.ts';

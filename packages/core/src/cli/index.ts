export * from './cli-io.ts';
export * from './command.ts';
export * from './main.ts';

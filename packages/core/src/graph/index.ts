export * from './asset-graph.ts';
export * from './selection.ts';

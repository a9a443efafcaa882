export * from './data-dictionary.ts';
export * from './dictionary-html.ts';

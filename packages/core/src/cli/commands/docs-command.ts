import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderDataDictionaryHtml } from '../../lineage/dictionary/index.ts';
import { writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';

/** `quarry docs [--out DIR] [--json]`: writes the data dictionary as a static, searchable HTML catalog. */
export const docsCommand: Command = {
  name: 'docs',
  usage: 'quarry docs [--out DIR] [--json]',
  summary: 'write the data dictionary (assets, columns, glossary, owners, update frequency) as a static, searchable HTML catalog',
  options: {
    out: { type: 'string', help: 'directory to write index.html and dictionary.json to (relative to the project)', default: 'quarry-docs' },
    json: { type: 'boolean', help: 'print the dictionary as JSON instead of writing files' },
  },
  maxPositionals: 0,
  async run(args, io) {
    const instance = await openCliInstance(args, io);
    try {
      const dictionary = instance.dataDictionary();
      if (flag(args, 'json')) {
        writeLine(io.stdout, JSON.stringify(dictionary, null, 2));
        return 0;
      }
      const out = resolve(instance.projectDir, stringOption(args, 'out') ?? 'quarry-docs');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'index.html'), renderDataDictionaryHtml(dictionary));
      writeFileSync(join(out, 'dictionary.json'), `${JSON.stringify(dictionary, null, 2)}\n`);
      const columns = dictionary.assets.reduce((n, a) => n + a.columns.length, 0);
      writeLine(io.stdout, `Wrote ${join(out, 'index.html')}: ${dictionary.assets.length} assets, ${columns} columns, ${dictionary.glossary.length} glossary terms (open it in a browser; it needs no server).`);
      return 0;
    } finally {
      await instance.close();
    }
  },
};

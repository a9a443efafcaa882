import { writeLine } from '../cli-io.ts';
import { flag, stringOption, type Command } from '../command.ts';
import { openCliInstance } from '../open-instance.ts';
import { startNewCatalog } from '../../instance/index.ts';

/** `quarry init [--force-new-catalog]`: create (or check) the project's catalog and lake. */
export const initCommand: Command = {
  name: 'init',
  usage: 'quarry init [--force-new-catalog]',
  summary: 'create the catalog and bind the lake to it; --force-new-catalog starts over, moving an orphaned lake aside',
  options: {
    'force-new-catalog': { type: 'boolean', help: 'start a new catalog even though the lake holds data of a lost one: the lake is moved aside (nothing is deleted)' },
  },
  maxPositionals: 0,
  async run(args, io) {
    if (flag(args, 'force-new-catalog')) {
      const result = await startNewCatalog({ projectDir: stringOption(args, 'project') ?? io.cwd, ...(io.env.QUARRY_HOME ? { quarryHome: io.env.QUARRY_HOME } : {}) });
      if (result.movedLakeTo !== undefined) writeLine(io.stdout, `Moved the old lake to ${result.movedLakeTo} (nothing was deleted; remove it yourself once you are sure).`);
    }
    const instance = await openCliInstance(args, io);
    try {
      instance.bindLake();
      writeLine(io.stdout, `Catalog ${instance.catalog.location} (instance ${instance.catalog.instanceId()}) and lake ${instance.lakeLocation} are ready.`);
      return 0;
    } finally {
      await instance.close();
    }
  },
};

import type { Command } from '../command.ts';
import { alertsCommand } from './alerts-command.ts';
import { checksCommand } from './checks-command.ts';
import { compileCommand } from './compile-command.ts';
import { docsCommand } from './docs-command.ts';
import { daemonCommand } from './daemon-command.ts';
import { graphCommand } from './graph-command.ts';
import { initCommand } from './init-command.ts';
import { lineageCommand } from './lineage-command.ts';
import { listCommand } from './list-command.ts';
import { backfillCommand, materializeCommand } from './materialize-command.ts';
import { observeCommand } from './observe-command.ts';
import { partitionsCommand } from './partitions-command.ts';
import { planCommand } from './plan-command.ts';
import { quarantineCommand } from './quarantine-command.ts';
import { queryCommand } from './query-command.ts';
import { piiCommand } from './pii-command.ts';
import { schemaCommand } from './schema-command.ts';
import { runCommand, runsCommand } from './runs-command.ts';
import { serveCommand } from './serve-command.ts';
import { statusCommand } from './status-command.ts';
import { storageCommand } from './storage-command.ts';
import { vacuumCommand } from './vacuum-command.ts';
import { verifyCommand } from './verify-command.ts';

/** Every `quarry` command, in the order help lists them. */
export const commands: readonly Command[] = [
  listCommand,
  graphCommand,
  partitionsCommand,
  planCommand,
  compileCommand,
  materializeCommand,
  backfillCommand,
  statusCommand,
  observeCommand,
  runsCommand,
  runCommand,
  queryCommand,
  checksCommand,
  lineageCommand,
  quarantineCommand,
  schemaCommand,
  piiCommand,
  vacuumCommand,
  storageCommand,
  verifyCommand,
  docsCommand,
  initCommand,
  serveCommand,
  alertsCommand,
  daemonCommand,
];

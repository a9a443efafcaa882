import { DEFECT_KINDS } from './tiktok-schema.ts';
import type { DataFileName, DefectKind } from './tiktok-schema.ts';

/** One defective row of a data file, as listed in `_truth/<day>.json`. */
export interface DefectiveRow {
  /** 1-based physical line in the file (the CSV header is line 1). */
  line: number;
  kind: DefectKind;
  /** The row's intended key (creator_id or video_id), even when the row lacks it. */
  key: string;
  field?: string;
  variant?: string;
  /** The text written in place of the field. */
  raw?: string;
  fixable?: boolean;
  fixedValue?: number;
  from?: number;
  to?: number;
  reported?: number;
  actual?: number;
  /** duplicate_key_within_file: the line of the earlier row with the same key and updated_at. */
  ofLine?: number;
  /** duplicate_key_across_files: the day whose file first carried this row. */
  fromDay?: string;
}

/** Row counts of one data file of one day. */
export interface FileTruth {
  /** Data rows (the CSV header excluded). */
  rows: number;
  /** Rows per defect kind (every kind present, zeros included). */
  defects: Record<DefectKind, number>;
  /** Rows a correct pipeline quarantines. */
  invalidRows: number;
  /** Rows deduplication drops (within and across files). */
  duplicateRows: number;
  /** Valid rows a check should flag (follower_spike, view_sum_mismatch). */
  anomalousRows: number;
  /** rows − invalidRows − duplicateRows. */
  expectedAcceptedRows: number;
}

/** The ground truth of one generated day, written to `_truth/<day>.json`. */
export interface DayTruth {
  day: string;
  dayIndex: number;
  /** Day 0 is the initial load of every creator existing at the start. */
  initialLoad: boolean;
  /** Creators existing at the end of the day. */
  creatorsExisting: number;
  /** Creators created this day (0 on day 0). */
  creatorsNew: number;
  /** Creators with a row of their own today (re-sent rows of earlier days not counted). */
  creatorsInFile: number;
  /** Creators with an accepted row today (including new ones). */
  creatorsChanged: number;
  /** Priority creators with intraday records today. */
  priorityCreatorsUpdated: number;
  files: {
    'creators.ndjson': FileTruth;
    'videos.csv': FileTruth;
    intraday: { files: number; rows: number };
  };
  defectiveRows: Record<DataFileName, DefectiveRow[]>;
}

/** A `FileTruth` with every count at zero. */
export function emptyFileTruth(): FileTruth {
  const defects = Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as Record<DefectKind, number>;
  return { rows: 0, defects, invalidRows: 0, duplicateRows: 0, anomalousRows: 0, expectedAcceptedRows: 0 };
}

/**
 * Serializes a day truth as readable JSON with one defective row per line (pretty-printing each row
 * over a dozen lines would make a million-creator initial load unreadable).
 */
export function stringifyDayTruth(truth: DayTruth): string {
  const { defectiveRows, ...head } = truth;
  const body = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const lists = (Object.keys(defectiveRows) as DataFileName[]).map((file) => {
    const rows = defectiveRows[file];
    const inner = rows.length === 0 ? '[]' : `[\n${rows.map((r) => `      ${JSON.stringify(r)}`).join(',\n')}\n    ]`;
    return `    ${JSON.stringify(file)}: ${inner}`;
  });
  return `${body},\n  "defectiveRows": {\n${lists.join(',\n')}\n  }\n}\n`;
}

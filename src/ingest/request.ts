import type { OutputInput } from '../domain/outputs.js';
import type { IngestProblem } from './parse.js';

/**
 * What an ingestion asks and answers, shared by the `ingestOutputs` mutation, the service
 * that runs it and the `pedigree ingest` client.
 */
export interface IngestFile extends OutputInput {
  /** Metadata from the file's sidecar, already parsed. */
  sidecar?: Record<string, unknown> | null;
  /** Metadata for this file from manifest lines, in line order. */
  manifest?: Array<{ line: number; metadata: Record<string, unknown> }> | null;
}

export interface IngestArgs {
  executionId: string;
  files: IngestFile[];
  /** A whole `valohai.metadata.jsonl` text, for callers that send it in one request. */
  manifest?: string | null;
  dryRun?: boolean | null;
  /** Checks only: the problems, without the database's work of a dry run. */
  validateOnly?: boolean | null;
  allowPartial?: boolean | null;
}

export interface IngestChange {
  path: string;
  action: 'CREATE' | 'UNCHANGED' | 'UPDATE_METADATA';
  /** The datum as the API answers it (null in a dry run for a file that would be created). */
  datum: ({ id: string } & Record<string, unknown>) | null;
  /** Metadata names (`group.key`) written (or that would be). */
  keys: string[];
  /** Tags the reserved keys put on the datum (or would). */
  tags: string[];
  /** The alias the datum's metadata moves to it, if any. */
  alias: string | null;
  /** Model and dataset version URIs the datum joins. */
  versions: string[];
}

export interface IngestReport {
  dryRun: boolean;
  written: boolean;
  created: number;
  unchanged: number;
  valuesWritten: number;
  changes: IngestChange[];
  problems: IngestProblem[];
  /** What was written but deserves a look: a value given twice for one file (the later one is current, the earlier kept as history). */
  warnings: IngestProblem[];
}


import { randomUUID } from 'node:crypto';
import { parsePath, parseUri } from '../scalars/validators.js';
import { badInput } from './errors.js';
import { checked, checkSha256, checkSize, optionalText } from './validation.js';

/** A file an execution wrote, as `recordOutputs` and ingestion take it. */
export interface OutputInput {
  path: string;
  size: number | bigint | string;
  sha256: string;
  uri?: string | null;
  contentType?: string | null;
}

/** An output checked and ready to write, with the id its datum gets if it is new. */
export interface CheckedOutput {
  i: number;
  id: string;
  path: string;
  size: number | bigint;
  sha256: string;
  uri: string | null;
  contentType: string | null;
}

/** Validates outputs; errors name the field (`outputs.2.sha256`). */
export function checkOutputs(outputs: OutputInput[], field: string): CheckedOutput[] {
  return outputs.map((o, i) => {
    const uri = o.uri ? checked(`${field}.${i}.uri`, parseUri, o.uri) : null;
    if (uri?.toLowerCase().startsWith('datum://')) {
      throw badInput(`${field}.${i}.uri: datum:// URIs are assigned by Pedigree; give an external URI (s3://, gs://, https://) or none`, { field: `${field}.${i}.uri` });
    }
    return {
      i,
      id: randomUUID(),
      path: checked(`${field}.${i}.path`, parsePath, o.path),
      size: checkSize(`${field}.${i}.size`, o.size),
      sha256: checkSha256(`${field}.${i}.sha256`, o.sha256),
      uri,
      contentType: optionalText(`${field}.${i}.contentType`, o.contentType, 256),
    };
  });
}

import { createHash } from 'node:crypto';

/**
 * OpenLineage events (core spec 2-0-x) as the validator lets them through, and the few
 * rules that turn their names into Pedigree's: a dataset's URI, an event's instant, the
 * stable ids of what an event creates. Pure functions: no database, no HTTP.
 */

export type EventKind = 'RunEvent' | 'DatasetEvent' | 'JobEvent';

/** A facet: `_producer` and `_schemaURL` (the spec's base fields) beside its own fields. */
export type Facet = Record<string, unknown>;
export type Facets = Record<string, Facet>;

export interface Dataset {
  namespace: string;
  name: string;
  facets?: Facets;
  inputFacets?: Facets;
  outputFacets?: Facets;
}

export interface Job {
  namespace: string;
  name: string;
  facets?: Facets;
}

export interface OpenLineageEvent {
  eventType?: 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run?: { runId: string; facets?: Facets };
  job?: Job;
  inputs?: Dataset[];
  outputs?: Dataset[];
  dataset?: Dataset;
}

/**
 * Which of the spec's three events a body means to be: a run makes a RunEvent, a dataset
 * without one a DatasetEvent, anything else a JobEvent. Decided from the shape alone, so
 * an invalid event is judged against the definition it was meant to meet.
 */
export function kindOf(event: Record<string, unknown>): EventKind {
  if ('run' in event) return 'RunEvent';
  if ('dataset' in event) return 'DatasetEvent';
  if ('job' in event) return 'JobEvent';
  return 'RunEvent';
}

/** A run id as Execution ids are kept: lower case, without the `urn:uuid:` prefix the uuid format allows. */
export const runIdOf = (runId: string) => runId.replace(/^urn:uuid:/i, '').toLowerCase();

const DATE_TIME = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)?$/;

/**
 * The instant an event time names, as an ISO string in UTC with milliseconds (the form
 * every stored time has). The spec's `date-time` wants an offset; a time without one is
 * read as UTC, because the openlineage-python client sends `datetime.now().isoformat()`
 * as it is. Leap second 60 is the last millisecond of its minute.
 */
export function instantOf(value: string): string {
  const m = DATE_TIME.exec(value);
  if (!m) throw new TypeError(`not an ISO 8601 date-time: ${JSON.stringify(value)}`);
  const [, date, minutes, seconds, fraction = '', , sign, hours, offsetMinutes = '00'] = m;
  const leap = seconds === '60';
  const millis = leap ? '999' : fraction.padEnd(3, '0').slice(0, 3);
  const offset = sign ? `${sign}${hours}:${offsetMinutes}` : 'Z';
  const instant = new Date(`${date}T${minutes}:${leap ? '59' : seconds}.${millis}${offset}`);
  if (Number.isNaN(instant.getTime())) throw new TypeError(`not a real date-time: ${JSON.stringify(value)}`);
  return instant.toISOString();
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/** Characters a Uri may not hold (see the Uri scalar), and a `%` that starts no escape. */
const NOT_IN_URI = /[\s"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})/g;

/**
 * The URI of a dataset: namespace + "/" + name, as OpenLineage's naming conventions make
 * them (`postgres://db:5432` + `shop.public.orders`, `s3://warehouse` + `marts/orders_daily`),
 * with one slash between the two. A namespace that is a bare scheme (`bigquery`, `file`)
 * gives `scheme://name` (`file:///data/x.csv`); any other namespace, which no convention
 * makes, gives `openlineage:<namespace>/<name>`. Characters a URI cannot hold are
 * percent-encoded, so every dataset name has exactly one URI.
 */
export function datasetUri(namespace: string, name: string): string {
  const uri =
    namespace.includes(':') ? `${namespace.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`
    : SCHEME.test(namespace) ? `${namespace}://${name}`
    : `openlineage:${namespace}/${name}`;
  return uri.replace(NOT_IN_URI, (c) => encodeURIComponent(c));
}

/** Ids of what events create, the same for every arrival of the same event (UUID version 5 in this namespace). */
const ID_NAMESPACE = Buffer.from('8c4f0b0e5a2d4c7e9b1f3a6d2e7c5b94', 'hex');

/** A UUID (version 5) derived from `parts`: retries and reorderings of one event name the same nodes. */
export function stableId(...parts: string[]): string {
  const hash = createHash('sha1').update(ID_NAMESPACE).update(parts.join('\0')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

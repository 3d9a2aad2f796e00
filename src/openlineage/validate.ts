import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import spec from './spec/OpenLineage.json' with { type: 'json' };
import { badInput } from '../domain/errors.js';
import { checkJsonDepth, show } from '../scalars/validators.js';
import { kindOf, type EventKind, type OpenLineageEvent } from './events.js';

/**
 * Events are checked against the OpenLineage spec itself (spec/OpenLineage.json, 2-0-2) by
 * Ajv, a maintained JSON Schema 2020-12 validator, rather than by rules of our own: what the
 * spec allows is accepted (a missing eventType, facets nobody has heard of), what it refuses
 * is refused, with the spec's own reasons.
 *
 * One departure: `date-time` accepts a time without a UTC offset (read as UTC, see
 * `instantOf`), since the openlineage-python client sends such times as its users give them.
 */
const ajv = new Ajv2020.default({ allErrors: true });
// `example` is documentation in the spec; Ajv's strict mode asks for every keyword to be known
ajv.addKeyword('example');
addFormats.default(ajv);
ajv.addFormat('date-time', fullFormats['iso-date-time']);

/** The spec's `$id`, which names its version; answers and error messages cite it. */
export const SPEC_ID: string = spec.$id;

const whole: ValidateFunction = ajv.compile(spec);
const definition = (kind: EventKind): ValidateFunction => ajv.getSchema(`${SPEC_ID}#/$defs/${kind}`)!;
const BY_KIND: Record<EventKind, ValidateFunction> = { RunEvent: definition('RunEvent'), DatasetEvent: definition('DatasetEvent'), JobEvent: definition('JobEvent') };

export interface SpecProblem {
  /** Where in the event, dotted: `run.runId`, `inputs.0.name`; empty for the event itself. */
  field: string;
  message: string;
}

const MAX_PROBLEMS = 20;

/** What was sent, short enough for a message. */
const brief = (value: unknown) => {
  const text = show(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
};

/** The value at a JSON pointer, for messages that show what was sent. */
function at(value: unknown, pointer: string): unknown {
  let current = value;
  for (const part of pointer.split('/').slice(1)) current = (current as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return current;
}

const dotted = (pointer: string) => pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');

/** One Ajv error in the API's terms: the field at fault and what the spec wants there. */
function problemOf(event: unknown, error: ErrorObject): SpecProblem {
  const field = dotted(error.instancePath);
  const join = (child: string) => (field ? `${field}.${child}` : child);
  const what = field || 'the event';
  switch (error.keyword) {
    case 'required':
      return { field: join(error.params.missingProperty), message: `${join(error.params.missingProperty)} is required` };
    case 'format':
      return { field, message: `${what} must be a ${error.params.format === 'uuid' ? 'UUID' : error.params.format}, got ${brief(at(event, error.instancePath))}` };
    case 'type':
      return { field, message: `${what} must be ${/^[aeiou]/.test(error.params.type) ? 'an' : 'a'} ${error.params.type}, got ${brief(at(event, error.instancePath))}` };
    case 'enum':
      return { field, message: `${what} must be one of ${error.params.allowedValues.join(', ')}, got ${brief(at(event, error.instancePath))}` };
    case 'not':
      return { field, message: `${what} must not have both job and run (a DatasetEvent has neither; a run makes it a RunEvent)` };
    default:
      return { field, message: `${what} ${error.message}` };
  }
}

/**
 * The event if the spec accepts it; otherwise BAD_USER_INPUT naming each problem with its
 * field (the HTTP layer answers 422). An invalid event is judged against the definition its
 * shape asks for (a body with a run against RunEvent), so the reasons are about that event
 * and not about the two it never meant to be.
 */
export function validateEvent(value: unknown): OpenLineageEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput(`An OpenLineage event is a JSON object (a RunEvent, DatasetEvent or JobEvent of spec ${SPEC_ID}), got ${Array.isArray(value) ? 'a list' : brief(value)}`, { field: '' });
  }
  try {
    checkJsonDepth(value);
  } catch (error) {
    throw badInput(`The event: ${(error as Error).message}`, { field: '' });
  }
  if (whole(value)) return value as OpenLineageEvent;
  const kind = kindOf(value as Record<string, unknown>);
  const branch = BY_KIND[kind];
  const problems: SpecProblem[] = branch(value)
    ? [{ field: '', message: 'the event matches more than one of RunEvent, DatasetEvent and JobEvent (a JobEvent with a dataset?); send one kind' }]
    : (branch.errors ?? []).slice(0, MAX_PROBLEMS).map((e) => problemOf(value, e));
  const shown = problems.slice(0, 5).map((p) => p.message).join('; ');
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  throw badInput(`Not a valid OpenLineage ${kind} (${SPEC_ID}): ${shown}${more}`, { field: problems[0].field, problems, event: kind });
}

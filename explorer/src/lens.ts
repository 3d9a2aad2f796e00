/**
 * The controls that decide what every lineage question of the page is asked with: a
 * LineageFilter (kinds, tags, run status, stop nodes, fan-out) and the time the graph is
 * shown as of. They live in the bar under the search; a change asks again.
 */
import { $, h, replace } from './dom.js';
import { count, formatTime, shortId } from './format.js';
import type { Kind, LineageFilter, Lens } from './queries.js';

type Status = NonNullable<LineageFilter['executionStatus']>[number];

const KIND_WORDS: Record<Kind, string> = { DATUM: 'datums', EXECUTION: 'executions', MODEL_VERSION: 'model versions', DATASET_VERSION: 'dataset versions' };

export interface LensControls {
  read(): Lens;
  /** The filter and time in words, for the status line; empty when the graph is shown whole and now. */
  summary(): string[];
  isStopped(id: string): boolean;
  /** Adds or removes a stop node (`title` names it on its chip), and asks again. */
  toggleStop(id: string, title: string): void;
}

/** A datetime-local value (local time, to the millisecond) as an ISO time. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : null);

/** A time to the millisecond: what separates two runs recorded moments apart. */
export const formatInstant = (iso: string) => `${formatTime(iso)} (${iso})`;

/**
 * Wires the bar: `changed` runs after every change that makes a valid lens. The kinds
 * left checked are kept; all four checked is no kind filter, and unchecking the last one
 * is undone at the checkbox.
 */
export function createLensControls(changed: () => void): LensControls {
  const form = $<HTMLFormElement>('#lens');
  const stops = new Map<string, string>();
  const checked = (name: string) => [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)].filter((i) => i.checked).map((i) => i.value);
  const tags = () => $<HTMLInputElement>('#tags-any').value.split(/[\s,]+/).filter(Boolean);
  const fanOut = () => {
    const value = $<HTMLInputElement>('#max-fan-out').value.trim();
    return value ? Number(value) : null;
  };

  function read(): Lens {
    const kinds = checked('kind') as Kind[];
    const executionStatus = checked('status') as Status[];
    const filter: LineageFilter = {
      ...(kinds.length < 4 ? { kinds } : {}),
      ...(tags().length ? { tagsAny: tags() } : {}),
      ...(executionStatus.length ? { executionStatus } : {}),
      ...(stops.size ? { stopAt: [...stops.keys()] } : {}),
      ...(fanOut() != null ? { maxFanOut: fanOut() } : {}),
    };
    return { filter: Object.keys(filter).length ? filter : null, asOf: isoOf($<HTMLInputElement>('#as-of').value) };
  }

  function summary(): string[] {
    const { filter, asOf } = read();
    const words: string[] = [];
    if (filter?.kinds) words.push(`${filter.kinds.map((k) => KIND_WORDS[k]).join(' and ')} only`);
    if (filter?.tagsAny) words.push(`tagged ${filter.tagsAny.join(' or ')}`);
    if (filter?.executionStatus) words.push(`runs ${filter.executionStatus.map((s) => s.toLowerCase()).join(' or ')}`);
    if (filter?.stopAt) words.push(`stops at ${count(filter.stopAt.length, 'node')}`);
    if (filter?.maxFanOut) words.push(`at most ${count(filter.maxFanOut, 'neighbour')} each`);
    if (asOf) words.push(`as of ${formatTime(asOf)}`);
    return words;
  }

  function renderStops() {
    replace(
      $('#stops'),
      stops.size ? h('span', { class: 'lens-label' }, 'Stop at') : null,
      [...stops].map(([id, title]) =>
        h(
          'span',
          { class: 'chip stop-chip', 'data-id': id, title: id },
          title,
          h('small', {}, ` ${shortId(id)}`),
          h('button', { type: 'button', 'aria-label': `Walk past ${title} again`, onclick: () => toggleStop(id, title) }, '×'),
        ),
      ),
    );
  }

  /** The runs kept, on the closed dropdown. */
  function renderRuns() {
    const kept = checked('status');
    $('#runs-summary').textContent = kept.length ? kept.map((s) => s.toLowerCase()).join(', ') : 'any';
  }

  /** Says in the page which time the graph shows, with the way back to now. */
  function renderAsOf() {
    const { asOf } = read();
    const banner = $('#as-of-banner');
    banner.hidden = !asOf;
    $('#as-of-now').hidden = !asOf;
    if (asOf)
      replace(
        banner,
        h('strong', {}, 'As of '),
        h('time', { datetime: asOf, title: asOf }, formatInstant(asOf)),
        ': the graph, impact and paths as they stood then. Statuses on the graph and records in the panel are today’s.',
      );
  }

  function toggleStop(id: string, title: string) {
    if (stops.has(id)) stops.delete(id);
    else stops.set(id, title);
    renderStops();
    changed();
  }

  function onChange(event: Event) {
    const target = event.target as HTMLInputElement;
    if (target.name === 'kind') {
      target.setCustomValidity('');
      if (!checked('kind').length) {
        // a walk that keeps no kind draws its root alone: the last kind stays, and its box says why
        target.checked = true;
        target.setCustomValidity('Keep at least one kind of node.');
        target.reportValidity();
        return;
      }
    }
    if (target.id === 'max-fan-out' && !target.reportValidity()) return;
    renderRuns();
    renderAsOf();
    changed();
  }

  // a text field changes on Enter or when left
  form.addEventListener('change', onChange);
  // the runs dropdown closes when the page is clicked anywhere else
  document.addEventListener('click', (event) => {
    const runs = $<HTMLDetailsElement>('#runs');
    if (runs.open && !runs.contains(event.target as Node)) runs.open = false;
  });
  $('#as-of-now').addEventListener('click', () => {
    $<HTMLInputElement>('#as-of').value = '';
    renderAsOf();
    changed();
  });
  // clears the filter, not the time: that has its own way back to now
  $('#lens-reset').addEventListener('click', () => {
    const asOf = $<HTMLInputElement>('#as-of').value;
    form.reset();
    $<HTMLInputElement>('#as-of').value = asOf;
    stops.clear();
    for (const input of form.querySelectorAll<HTMLInputElement>('input')) input.setCustomValidity('');
    renderStops();
    renderRuns();
    renderAsOf();
    changed();
  });
  renderStops();
  renderRuns();
  renderAsOf();

  return { read, summary, isStopped: (id) => stops.has(id), toggleStop };
}

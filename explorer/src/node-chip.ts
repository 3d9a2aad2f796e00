/**
 * A node named in a list (an impact, a path, a diff): its kind's colour, title and
 * subtitle, opening it when clicked. `compact` leaves the subtitle and id to the tooltip,
 * for a chain read along a line.
 */
import { action, h } from './dom.js';
import { shortId } from './format.js';
import { describe, KIND_STYLE, styleKey, type GraphNode } from './graph.js';

export function nodeChip(node: GraphNode, open: (id: string) => void, compact = false): HTMLAnchorElement {
  const { title, subtitle } = describe(node);
  const look = KIND_STYLE[styleKey(node)];
  return action(
    [
      h('span', { class: 'dot', style: `background:${look.fill};border-color:${look.border}` }),
      h('span', { class: 'chip-title' }, title),
      compact ? null : h('small', { class: 'chip-subtitle' }, subtitle),
      // retrained files share their path: the id tells them apart
      compact ? null : h('small', { class: 'chip-id' }, shortId(node.id)),
    ],
    () => open(node.id),
    { class: 'node-chip', 'data-id': node.id, title: `${look.label}: ${title}, ${subtitle}\n${node.id}` },
  );
}

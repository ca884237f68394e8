import { formatTime, printable } from './internal/format.js';
import type { IntervalView, NodeView } from './internal/tree-view.js';

interface Line {
  readonly time: number;
  readonly sign: '+' | '=' | '-';
  readonly depth: number;
  readonly node: NodeView;
}

/**
 * Renders `root`'s subtree as the seed's text timeline. Lines are collected in tree order (start,
 * children, stop) and then stably sorted by time, so equal times keep the tree's order: a parent
 * starts before its children and stops after them. Indentation is the tree depth. Intervals
 * never started have no time and no line (their children still have theirs); running intervals
 * have a start line only.
 */
export function timeline(root: IntervalView): string {
  const lines: Line[] = [];
  collect(root, 0, lines);
  lines.sort((a, b) => a.time - b.time);
  const origin = lines[0]?.time ?? 0;
  return lines.map((line) => render(line, origin)).join('\n');
}

function collect(node: NodeView, depth: number, lines: Line[]): void {
  if (node.kind === 'mark') {
    lines.push({ time: node.time, sign: '-', depth, node });
    return;
  }
  if (node.startTime !== undefined) lines.push({ time: node.startTime, sign: '+', depth, node });
  for (const child of node.children) collect(child, depth + 1, lines);
  if (node.endTime !== undefined) lines.push({ time: node.endTime, sign: '=', depth, node });
}

function render({ time, sign, depth, node }: Line, origin: number): string {
  const head = `${'| '.repeat(depth)}${sign} ${formatTime(time - origin)} ${printable(node.name)}`;
  if (sign !== '=' || node.kind === 'mark') return head;
  const cpu =
    node.cpu === undefined ? '' : `, cpu ${formatTime((node.cpu.user + node.cpu.system) / 1000)}`;
  return `${head} (${formatTime(node.duration as number)}${cpu})`;
}

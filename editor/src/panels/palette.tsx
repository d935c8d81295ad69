// Every node type the server offers (/api/node-types), by category, searchable. Drag one onto the
// canvas, or focus it and press Enter to drop it in the middle of the view.
import { useMemo, useState, type DragEvent } from 'react';
import type { NodeTypeInfo } from '../api/schemas';
import { paletteMime } from '../canvas/canvas';
import { useEditor } from '../store/context';
import { specKey } from '../store/editor-store';
import { DocsButton } from './node-docs';

/** How well a node type matches the search words: 0 is no match; a title hit beats a description or category hit. */
function score(info: NodeTypeInfo, words: string[]): number {
  let total = 0;
  for (const word of words) {
    const title = info.title.toLowerCase();
    if (title.startsWith(word)) total += 8;
    else if (title.includes(word)) total += 6;
    else if (info.type.toLowerCase().includes(word)) total += 4;
    else if (info.description.toLowerCase().includes(word)) total += 2;
    else if (info.categoryLabel.toLowerCase().includes(word)) total += 1;
    else return 0;
  }
  return words.length === 0 ? 1 : total;
}

export function Palette({ onAdd }: { onAdd: (info: NodeTypeInfo) => void }) {
  const catalogue = useEditor((state) => state.catalogue);
  const [query, setQuery] = useState('');
  const { groups, best } = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const byCategory = new Map<string, { label: string; items: NodeTypeInfo[] }>();
    let top: { info: NodeTypeInfo; score: number } | null = null;
    for (const info of catalogue.latest.values()) {
      const points = score(info, words);
      if (points === 0) continue;
      if (!top || points > top.score) top = { info, score: points };
      const group = byCategory.get(info.category) ?? { label: info.categoryLabel, items: [] };
      group.items.push(info);
      byCategory.set(info.category, group);
    }
    return { groups: [...byCategory.entries()], best: top?.info };
  }, [catalogue, query]);

  const onDragStart = (event: DragEvent, info: NodeTypeInfo) => {
    event.dataTransfer.setData(paletteMime, specKey(info.type, info.version));
    event.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <nav className="palette" aria-label="Node palette">
      <input
        type="search"
        className="palette-search"
        placeholder="Search nodes…"
        aria-label="Search nodes"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        aria-describedby="palette-search-help"
        onKeyDown={(event) => {
          if (event.key === 'Enter' && best) onAdd(best);
        }}
      />
      <p id="palette-search-help" className="visually-hidden">Enter adds the best match{best ? `, ${best.title},` : ''} to the middle of the canvas.</p>
      {groups.length === 0 ? <p className="muted palette-empty">No node matches “{query}”.</p> : null}
      {groups.map(([category, group]) => (
        <details key={category} className={`palette-group cat-${category}`} open>
          <summary>{group.label}</summary>
          <ul>
            {group.items.map((info) => (
              <li key={info.type}>
                <button
                  type="button"
                  className="palette-item"
                  draggable
                  data-node-type={info.type}
                  title={info.description}
                  aria-label={`Add ${info.title}: ${info.description}`}
                  onDragStart={(event) => onDragStart(event, info)}
                  onClick={() => onAdd(info)}
                >
                  <span className="palette-dot" aria-hidden="true" />
                  <span className="palette-title">{info.title}</span>
                </button>
                <DocsButton info={info} className="palette-docs" />
              </li>
            ))}
          </ul>
        </details>
      ))}
    </nav>
  );
}

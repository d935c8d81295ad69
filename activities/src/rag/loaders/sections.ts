import type { DocumentSection } from '../document';

/** A heading found in a document's text: its level (1 = top) and where its line starts. */
export interface HeadingMark {
  level: number;
  title: string;
  start: number;
}

/**
 * Cuts `text` at each heading into sections that cover all of it, each under the path of headings
 * above it; text before the first heading has an empty path, and blank stretches are left out.
 */
export function sectionsFromHeadings(text: string, headings: HeadingMark[]): DocumentSection[] {
  const sections: DocumentSection[] = [];
  const push = (headingPath: string[], start: number, end: number) => {
    if (end > start && /\S/.test(text.slice(start, end))) sections.push({ headingPath, start, end });
  };
  const marks = [...headings].sort((a, b) => a.start - b.start);
  push([], 0, marks[0]?.start ?? text.length);
  const open: HeadingMark[] = [];
  marks.forEach((mark, i) => {
    while (open.length > 0 && open[open.length - 1]!.level >= mark.level) open.pop();
    open.push(mark);
    push(open.map((heading) => heading.title), mark.start, marks[i + 1]?.start ?? text.length);
  });
  return sections;
}

/** The one section of a document without headings. */
export function wholeTextSection(text: string): DocumentSection[] {
  return /\S/.test(text) ? [{ headingPath: [], start: 0, end: text.length }] : [];
}

// Markdown keeps its source text as is: offsets stay true to the file, code blocks and tables stay
// intact, and embedding models read markdown syntax well. Only the structure is parsed: the title
// and the ATX (`## Install`) and Setext (underlined) headings, skipping fenced code and front matter.
import type { LoadedDocument } from '../document';
import { sectionsFromHeadings, type HeadingMark } from './sections';
import { baseName } from './text';

const atxHeading = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const setextUnderline = /^ {0,3}(=+|-+)[ \t]*$/;
const fenceOpen = /^ {0,3}(`{3,}|~{3,})/;
// Lines that start a block of their own, so an underline below them is not a Setext heading.
const notParagraph = /^(?: {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)| {0,3}>| {4}|\t)/;

interface Line {
  text: string;
  start: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (const line of text.split('\n')) {
    lines.push({ text: line, start });
    start += line.length + 1;
  }
  return lines;
}

/** Heading text without inline markup: links keep their words, code and emphasis lose their marks. */
function plainHeading(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`+/g, '')
    .replace(/(\*\*|__|\*|_|~~)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Where YAML front matter (`---` … `---`) ends, and the title it declares. */
function frontMatter(lines: Line[]): { endLine: number; title?: string } {
  if (lines[0]?.text.trimEnd() !== '---') return { endLine: 0 };
  const close = lines.findIndex((line, i) => i > 0 && /^(---|\.\.\.)\s*$/.test(line.text));
  if (close < 0) return { endLine: 0 };
  const titleLine = lines.slice(1, close).map((line) => /^title:\s*(.+?)\s*$/.exec(line.text)?.[1]).find(Boolean);
  const title = titleLine?.replace(/^(["'])(.*)\1$/, '$2').trim();
  return { endLine: close + 1, ...(title ? { title } : {}) };
}

export function findMarkdownHeadings(text: string): { headings: HeadingMark[]; frontMatterTitle?: string } {
  const lines = splitLines(text);
  const front = frontMatter(lines);
  const headings: HeadingMark[] = [];
  let fence: string | undefined;
  let paragraph: Line[] = [];
  for (const line of lines.slice(front.endLine)) {
    if (fence) {
      const close = fenceOpen.exec(line.text)?.[1];
      if (close && close[0] === fence[0] && close.length >= fence.length && line.text.trim() === close) fence = undefined;
      continue;
    }
    const opened = fenceOpen.exec(line.text)?.[1];
    if (opened && !(opened[0] === '`' && line.text.slice(line.text.indexOf(opened) + opened.length).includes('`'))) {
      fence = opened;
      paragraph = [];
      continue;
    }
    const atx = atxHeading.exec(line.text);
    if (atx) {
      headings.push({ level: atx[1]!.length, title: plainHeading(atx[2] ?? ''), start: line.start });
      paragraph = [];
      continue;
    }
    const underline = setextUnderline.exec(line.text);
    if (underline && paragraph.length > 0) {
      headings.push({
        level: underline[1]!.startsWith('=') ? 1 : 2,
        title: plainHeading(paragraph.map((part) => part.text).join(' ')),
        start: paragraph[0]!.start,
      });
      paragraph = [];
      continue;
    }
    if (line.text.trim() === '' || (paragraph.length === 0 && notParagraph.test(line.text))) {
      paragraph = [];
    } else {
      paragraph.push(line);
    }
  }
  return { headings: headings.filter((heading) => heading.title !== ''), ...(front.title ? { frontMatterTitle: front.title } : {}) };
}

export function loadMarkdown(text: string, fileName: string): LoadedDocument {
  const { headings, frontMatterTitle } = findMarkdownHeadings(text);
  const title = frontMatterTitle ?? headings.find((heading) => heading.level === 1)?.title ?? baseName(fileName);
  return { title, text, format: 'markdown', sections: sectionsFromHeadings(text, headings) };
}

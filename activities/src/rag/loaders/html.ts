// HTML to readable text: the page's main content with its headings as sections, without the
// scripts, forms and site navigation around it. Parsed with parse5, which builds the same tree a
// browser does from broken markup (a real page closes `<h2>` with `</h1>`) and decodes entities.
import { defaultTreeAdapter as tree, parse, type DefaultTreeAdapterTypes } from 'parse5';
import { DocumentLimitError, type DocumentFormat, type LoadedDocument } from '../document';
import { defaultDocumentLimits, type DocumentLimits } from './limits';
import { sectionsFromHeadings, type HeadingMark } from './sections';
import { baseName } from './text';

type HtmlNode = DefaultTreeAdapterTypes.Node;
type HtmlElement = DefaultTreeAdapterTypes.Element;

// Elements whose text a reader never wants from a page.
const droppedTags = new Set([
  'script', 'style', 'noscript', 'template', 'nav', 'aside', 'form', 'button', 'select', 'textarea', 'input', 'label',
  'iframe', 'object', 'embed', 'svg', 'canvas', 'audio', 'video', 'map', 'img', 'picture', 'dialog', 'head', 'title', 'meta', 'link',
]);
const droppedRoles = new Set(['navigation', 'banner', 'contentinfo', 'search', 'complementary', 'menu', 'menubar', 'dialog', 'alert']);
// Class and id words that mark site chrome (menus, tables of contents, breadcrumbs, taglines).
const chromeWords = new Set([
  'nav', 'navbar', 'navigation', 'menu', 'mainmenu', 'submenu', 'menubar', 'breadcrumb', 'breadcrumbs', 'toc',
  'sidebar', 'masthead', 'tagline', 'skiplink', 'pagination', 'pager', 'share', 'social', 'cookie', 'cookies',
]);
const headingLevels = new Map([['h1', 1], ['h2', 2], ['h3', 3], ['h4', 4], ['h5', 5], ['h6', 6]]);
// Elements that sit on lines of their own; the second set also gets a blank line around it.
const lineBlocks = new Set([
  'div', 'li', 'tr', 'dt', 'dd', 'section', 'article', 'main', 'header', 'footer', 'figure', 'figcaption', 'address',
  'details', 'summary', 'caption', 'fieldset', 'legend', 'center', 'body', 'html', 'hgroup',
]);
const paragraphBlocks = new Set(['p', 'pre', 'blockquote', 'table', 'ul', 'ol', 'dl', 'menu', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
// Sectioning elements inside which <header>/<footer> belong to the content, not to the site.
const sectioningTags = new Set(['article', 'section', 'main', 'aside', 'nav']);

const collapseWhitespace = (text: string) => text.replace(/[\s\u00a0]+/g, ' ');

const childrenOf = (node: HtmlNode): HtmlNode[] => ('childNodes' in node ? node.childNodes : []);
const hasAttribute = (element: HtmlElement, name: string) => element.attrs.some((attr) => attr.name === name);
const rawAttribute = (element: HtmlElement, name: string) => element.attrs.find((attr) => attr.name === name)?.value;
const attribute = (element: HtmlElement, name: string) => rawAttribute(element, name)?.toLowerCase() ?? '';

/** The first element, in document order, that passes `test`. */
function findElement(node: HtmlNode, test: (element: HtmlElement) => boolean): HtmlElement | undefined {
  if (tree.isElementNode(node) && test(node)) return node;
  for (const child of childrenOf(node)) {
    const found = findElement(child, test);
    if (found) return found;
  }
  return undefined;
}

function findElements(node: HtmlNode, test: (element: HtmlElement) => boolean, found: HtmlElement[] = []): HtmlElement[] {
  if (tree.isElementNode(node) && test(node)) found.push(node);
  for (const child of childrenOf(node)) findElements(child, test, found);
  return found;
}

const textOf = (node: HtmlNode): string => (tree.isTextNode(node) ? node.value : childrenOf(node).map(textOf).join(''));

function isChrome(element: HtmlElement): boolean {
  if (headingLevels.has(element.tagName) || ['main', 'article', 'body'].includes(element.tagName)) return false;
  const words = `${attribute(element, 'class')} ${attribute(element, 'id')}`.split(/[\s_-]+/);
  return words.some((word) => chromeWords.has(word));
}

interface LinkStats {
  chars: number;
  linkChars: number;
  links: number;
  hasHeading: boolean;
}

/** Text and link-text sizes of every element, computed once bottom-up, for the link-density test. */
function measureLinks(root: HtmlNode, stats: Map<HtmlElement, LinkStats>, inLink = false): LinkStats {
  if (tree.isTextNode(root)) {
    const chars = root.value.replace(/\s+/g, '').length;
    return { chars, linkChars: inLink ? chars : 0, links: 0, hasHeading: false };
  }
  const total: LinkStats = { chars: 0, linkChars: 0, links: 0, hasHeading: false };
  if (tree.isElementNode(root) && droppedTags.has(root.tagName)) return total;
  const isLink = tree.isElementNode(root) && root.tagName === 'a' && hasAttribute(root, 'href');
  for (const child of childrenOf(root)) {
    const part = measureLinks(child, stats, inLink || isLink);
    total.chars += part.chars;
    total.linkChars += part.linkChars;
    total.links += part.links;
    total.hasHeading ||= part.hasHeading;
  }
  if (tree.isElementNode(root)) {
    if (isLink) total.links += 1;
    if (headingLevels.has(root.tagName)) total.hasHeading = true;
    stats.set(root, total);
  }
  return total;
}

/** Builds the text with lazy line breaks, so no element leaves blank lines or stray spaces behind. */
class TextBuilder {
  private parts: string[] = [];
  length = 0;
  private pendingBreak = 0;
  private pendingInline = '';
  private pendingPrefix = '';
  private atLineStart = true;
  private heading: { level: number; start?: number; parts: string[] } | undefined;
  readonly headings: HeadingMark[] = [];

  breakLine(newlines: 1 | 2): void {
    if (this.length > 0) this.pendingBreak = Math.max(this.pendingBreak, newlines);
    this.pendingInline = '';
  }

  /** Text between cells or words: written only if more text follows on the same line. */
  separate(separator: string): void {
    if (this.atLineStart || this.pendingBreak > 0) return;
    if (separator.length > this.pendingInline.length) this.pendingInline = separator;
  }

  prefixNextLine(prefix: string): void {
    this.pendingPrefix = prefix;
  }

  inline(raw: string): void {
    const text = collapseWhitespace(raw);
    if (text === ' ' || text === '') {
      if (text === ' ') this.separate(' ');
      return;
    }
    if (text.startsWith(' ')) this.separate(' ');
    this.write(text.trim());
    if (text.endsWith(' ')) this.separate(' ');
  }

  preformatted(raw: string): void {
    const text = raw.replace(/\u00a0/g, ' ').replace(/[ \t]+$/gm, '').replace(/^\n+/, '').trimEnd();
    if (text !== '') this.write(text);
  }

  openHeading(level: number): void {
    this.breakLine(2);
    this.heading = { level, parts: [] };
  }

  closeHeading(): void {
    const heading = this.heading;
    this.heading = undefined;
    const title = collapseWhitespace(heading?.parts.join('') ?? '').trim();
    if (heading?.start !== undefined && title !== '') this.headings.push({ level: heading.level, title, start: heading.start });
    this.breakLine(2);
  }

  private write(text: string): void {
    if (this.pendingBreak > 0) {
      this.append('\n'.repeat(this.pendingBreak));
      this.pendingBreak = 0;
      this.atLineStart = true;
      this.pendingInline = '';
    } else if (this.pendingInline && !this.atLineStart) {
      this.append(this.pendingInline);
    }
    this.pendingInline = '';
    if (this.heading && this.heading.start === undefined) this.heading.start = this.length;
    if (this.atLineStart && this.pendingPrefix) this.append(this.pendingPrefix);
    this.pendingPrefix = '';
    this.append(text);
    this.atLineStart = false;
  }

  private append(text: string): void {
    this.parts.push(text);
    this.length += text.length;
    this.heading?.parts.push(text);
  }

  text(): string {
    return this.parts.join('');
  }
}

interface WalkState {
  inSectioning: boolean;
  listDepth: number;
}

class HtmlTextExtractor {
  readonly out = new TextBuilder();
  private readonly linkStats = new Map<HtmlElement, LinkStats>();
  private readonly pageChars: number;

  constructor(private readonly root: HtmlNode) {
    this.pageChars = measureLinks(root, this.linkStats).chars;
  }

  run(inSectioning: boolean): void {
    this.visitChildren(this.root, { inSectioning, listDepth: 0 });
  }

  /** Lists and menus made almost only of links, and small next to the page: navigation blocks. */
  private isLinkBlock(element: HtmlElement): boolean {
    if (!['ul', 'ol', 'menu', 'div', 'table', 'p'].includes(element.tagName)) return false;
    const stats = this.linkStats.get(element);
    if (!stats || stats.hasHeading || stats.links < 3 || stats.chars === 0) return false;
    return stats.linkChars / stats.chars >= 0.8 && stats.chars < this.pageChars * 0.25;
  }

  private isDropped(element: HtmlElement, state: WalkState): boolean {
    if (droppedTags.has(element.tagName)) return true;
    if (hasAttribute(element, 'hidden') || attribute(element, 'aria-hidden') === 'true') return true;
    if (droppedRoles.has(attribute(element, 'role'))) return true;
    if ((element.tagName === 'header' || element.tagName === 'footer') && !state.inSectioning) return true;
    return isChrome(element) || this.isLinkBlock(element);
  }

  private visitChildren(node: HtmlNode, state: WalkState): void {
    for (const child of childrenOf(node)) this.visit(child, state);
  }

  private visit(node: HtmlNode, state: WalkState): void {
    if (tree.isTextNode(node)) {
      this.out.inline(node.value);
      return;
    }
    if (!tree.isElementNode(node) || this.isDropped(node, state)) return;
    const name = node.tagName;
    const level = headingLevels.get(name);
    if (level !== undefined) {
      this.out.openHeading(level);
      this.visitChildren(node, state);
      this.out.closeHeading();
      return;
    }
    if (name === 'br') {
      this.out.breakLine(1);
      return;
    }
    if (name === 'pre') {
      this.out.breakLine(2);
      this.out.preformatted(this.preformattedText(node));
      this.out.breakLine(2);
      return;
    }
    if (name === 'td' || name === 'th') {
      this.out.separate(' | ');
      this.visitChildren(node, state);
      this.out.separate(' | ');
      return;
    }
    const nested: WalkState = {
      inSectioning: state.inSectioning || sectioningTags.has(name),
      listDepth: state.listDepth + (name === 'ul' || name === 'ol' || name === 'menu' ? 1 : 0),
    };
    const isList = nested.listDepth > state.listDepth;
    const gap = paragraphBlocks.has(name) && !(isList && state.listDepth > 0) ? 2 : lineBlocks.has(name) || isList ? 1 : 0;
    if (gap > 0) this.out.breakLine(gap === 2 ? 2 : 1);
    if (name === 'li') this.out.prefixNextLine(`${'  '.repeat(Math.max(0, state.listDepth - 1))}${this.listMarker(node)} `);
    this.visitChildren(node, nested);
    if (name === 'li') this.out.prefixNextLine('');
    if (gap > 0) this.out.breakLine(gap === 2 ? 2 : 1);
  }

  private listMarker(item: HtmlElement): string {
    const list = item.parentNode;
    if (!list || !tree.isElementNode(list) || list.tagName !== 'ol') return '-';
    const start = Number.parseInt(rawAttribute(list, 'start') ?? '1', 10);
    const position = list.childNodes.filter((child) => tree.isElementNode(child) && child.tagName === 'li').indexOf(item);
    return `${(Number.isNaN(start) ? 1 : start) + position}.`;
  }

  /** The raw text of a <pre>, with <br> as line breaks and dropped elements left out. */
  private preformattedText(node: HtmlNode): string {
    if (tree.isTextNode(node)) return node.value;
    if (tree.isElementNode(node)) {
      if (node.tagName === 'br') return '\n';
      if (droppedTags.has(node.tagName)) return '';
    }
    return childrenOf(node).map((child) => this.preformattedText(child)).join('');
  }
}

/** The page's main region: <main> or role=main, else its only <article>, else the body. */
function mainRegion(document: HtmlNode): { region: HtmlNode; isContent: boolean } {
  const main = findElement(document, (element) => element.tagName === 'main' || attribute(element, 'role') === 'main');
  if (main) return { region: main, isContent: true };
  const articles = findElements(document, (element) => element.tagName === 'article');
  if (articles.length === 1) return { region: articles[0]!, isContent: true };
  return { region: findElement(document, (element) => element.tagName === 'body') ?? document, isContent: false };
}

/**
 * parse5's own tree, refusing the page once an element would sit deeper than the limit or there are
 * too many: parse5's scope checks walk the open elements, so unbounded depth makes parsing quadratic.
 */
function boundedTreeAdapter(fileName: string, limits: DocumentLimits): typeof tree {
  const depthOf = new WeakMap<HtmlNode, number>();
  let elements = 0;
  const place = (parent: HtmlNode, node: HtmlNode) => {
    const depth = (depthOf.get(parent) ?? 0) + 1;
    if (depth > limits.maxNestingDepth) throw new DocumentLimitError(`${fileName} nests elements more than ${limits.maxNestingDepth} deep`);
    depthOf.set(node, depth);
  };
  return {
    ...tree,
    createElement(tagName, namespaceURI, attrs) {
      if (++elements > limits.maxHtmlElements) throw new DocumentLimitError(`${fileName} has more than ${limits.maxHtmlElements} elements`);
      return tree.createElement(tagName, namespaceURI, attrs);
    },
    appendChild(parent, node) {
      place(parent, node);
      tree.appendChild(parent, node);
    },
    insertBefore(parent, node, reference) {
      place(parent, node);
      tree.insertBefore(parent, node, reference);
    },
  };
}

export function htmlToDocument(html: string, fileName: string, format: DocumentFormat = 'html', limits: DocumentLimits = defaultDocumentLimits): LoadedDocument {
  const document = parse(html, { treeAdapter: boundedTreeAdapter(fileName, limits) });
  const { region, isContent } = mainRegion(document);
  const extractor = new HtmlTextExtractor(region);
  extractor.run(isContent);
  const text = extractor.out.text();
  const headings = extractor.out.headings;
  const titleElement = findElement(document, (element) => element.tagName === 'title');
  const pageTitle = titleElement ? collapseWhitespace(textOf(titleElement)).trim() : '';
  const title = pageTitle || headings.find((heading) => heading.level === 1)?.title || baseName(fileName);
  return { title, text, format, sections: sectionsFromHeadings(text, headings) };
}

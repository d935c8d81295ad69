// PDF text with pdf.js (its legacy build runs in Node): one section per page, lines rebuilt from the
// text items, and a blank line where the vertical gap says a new paragraph starts.
import { createRequire } from 'node:module';
import path from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { z } from 'zod';
import { CorruptDocumentError, DocumentLimitError, type DocumentSection, type LoadedDocument } from '../document';
import { checkPdfInflation, defaultDocumentLimits, type DocumentLimits } from './limits';
import { baseName } from './text';

// pdf.js reads its font, character-map and wasm data from its own package, never over the network.
const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const packageFolder = (name: string) => `${path.join(pdfjsRoot, name)}${path.sep}`;

const documentInfo = z.object({ Title: z.string().optional() });
const textItem = z.object({ str: z.string(), hasEOL: z.boolean(), transform: z.array(z.number()), height: z.number() });

interface PdfLine {
  text: string;
  y: number;
  height: number;
}

/** A page's text items as lines: pdf.js marks each line end with `hasEOL`. */
function pageLines(items: unknown[]): PdfLine[] {
  const lines: PdfLine[] = [];
  let current: PdfLine | undefined;
  for (const raw of items) {
    const item = textItem.safeParse(raw);
    if (!item.success) continue;
    const { str, hasEOL, transform, height } = item.data;
    current ??= { text: '', y: transform[5] ?? 0, height: 0 };
    current.text += str;
    current.height = Math.max(current.height, height);
    if (hasEOL) {
      lines.push(current);
      current = undefined;
    }
  }
  if (current) lines.push(current);
  return lines
    .map((line) => ({ ...line, text: line.text.replaceAll('\0', '').replace(/\s+/g, ' ').trim() }))
    .filter((line) => line.text !== '');
}

/** Lines joined into page text; a gap of more than about one and a half lines starts a paragraph. */
function pageText(lines: PdfLine[]): string {
  return lines
    .map((line, i) => {
      const previous = lines[i - 1];
      if (!previous) return line.text;
      const drop = previous.y - line.y;
      const lineHeight = Math.max(previous.height, line.height, 1);
      return `${drop < 0 || drop > lineHeight * 1.6 ? '\n\n' : '\n'}${line.text}`;
    })
    .join('');
}

function failureReason(error: unknown): string {
  if (error instanceof Error) return error.name === 'PasswordException' ? `it is password-protected (${error.message})` : error.message;
  return String(error);
}

export async function loadPdf(bytes: Uint8Array, fileName: string, limits: DocumentLimits = defaultDocumentLimits): Promise<LoadedDocument> {
  checkPdfInflation(bytes, fileName, limits);
  const task = getDocument({
    // pdf.js refuses Node Buffers and may detach what it is given: hand it a copy.
    data: new Uint8Array(bytes),
    standardFontDataUrl: packageFolder('standard_fonts'),
    cMapUrl: packageFolder('cmaps'),
    cMapPacked: true,
    wasmUrl: packageFolder('wasm'),
    useSystemFonts: false,
    disableFontFace: true,
    isEvalSupported: false,
    useWorkerFetch: false,
    verbosity: 0,
  });
  try {
    let pdf;
    try {
      pdf = await task.promise;
    } catch (error) {
      throw new CorruptDocumentError(`${fileName} is not a readable PDF: ${failureReason(error)}`);
    }
    if (pdf.numPages > limits.maxPdfPages) throw new DocumentLimitError(`${fileName} has ${pdf.numPages} pages, more than the ${limits.maxPdfPages} allowed`);
    let text = '';
    const sections: DocumentSection[] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      let page: string;
      try {
        const content = await (await pdf.getPage(number)).getTextContent();
        page = pageText(pageLines(content.items));
      } catch (error) {
        throw new CorruptDocumentError(`${fileName} is not a readable PDF: page ${number} cannot be read (${failureReason(error)})`);
      }
      if (page === '') continue;
      if (text.length + page.length > limits.maxTextChars) throw new DocumentLimitError(`${fileName} holds more than ${limits.maxTextChars} characters of text`);
      if (text !== '') text += '\n\n';
      sections.push({ headingPath: [`Page ${number}`], start: text.length, end: text.length + page.length });
      text += page;
    }
    const { info, metadata } = await pdf.getMetadata();
    const infoTitle = documentInfo.safeParse(info).data?.Title?.trim();
    const metadataTitle = z.string().safeParse(metadata?.get('dc:title')).data?.trim();
    const firstLine = text.split('\n', 1)[0]?.trim().slice(0, 200);
    return { title: infoTitle || metadataTitle || firstLine || baseName(fileName), text, format: 'pdf', sections };
  } finally {
    await task.destroy();
  }
}

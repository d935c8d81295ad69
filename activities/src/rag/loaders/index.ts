// Turns an uploaded or fetched file into text documents for the chunker, by its type.
import { DocumentLimitError, UnsupportedDocumentError, type DocumentFormat, type LoadedDocument } from '../document';
import { defaultDocumentLimits, type DocumentLimits } from './limits';
import { loadDocx } from './docx';
import { htmlToDocument } from './html';
import { loadMarkdown } from './markdown';
import { loadPdf } from './pdf';
import { loadCsvRecords, loadJsonRecords } from './records';
import { decodeText, loadPlainText } from './text';

const formatByExtension: Record<string, DocumentFormat> = {
  txt: 'text', text: 'text',
  md: 'markdown', markdown: 'markdown', mdown: 'markdown', mkd: 'markdown',
  html: 'html', htm: 'html', xhtml: 'html',
  pdf: 'pdf',
  docx: 'docx',
  json: 'json',
  csv: 'csv',
};

const formatByMediaType: Record<string, DocumentFormat> = {
  'text/plain': 'text',
  'text/markdown': 'markdown', 'text/x-markdown': 'markdown',
  'text/html': 'html', 'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/json': 'json', 'text/json': 'json',
  'text/csv': 'csv', 'application/csv': 'csv',
};

// Servers send these for files they know nothing about, so the file name says more.
const genericMediaTypes = new Set(['text/plain', 'application/octet-stream', 'binary/octet-stream', 'application/x-download']);

function parseContentType(contentType?: string | null): { mediaType?: string; charset?: string } {
  if (!contentType) return {};
  const [mediaType, ...params] = contentType.split(';').map((part) => part.trim());
  const charset = params.map((param) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(param)?.[1]).find(Boolean);
  return { ...(mediaType ? { mediaType: mediaType.toLowerCase() } : {}), ...(charset ? { charset } : {}) };
}

function extensionOf(fileName: string): string | undefined {
  const name = fileName.split(/[?#]/, 1)[0]?.split(/[\\/]/).pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
}

/**
 * The document format a file is in: a specific content type wins, then the file extension, then a
 * generic `text/plain`; undefined when neither says anything Astra reads.
 */
export function detectFormat(fileName: string, contentType?: string | null): DocumentFormat | undefined {
  const { mediaType } = parseContentType(contentType);
  const byType = mediaType === undefined ? undefined : formatByMediaType[mediaType];
  if (byType && !genericMediaTypes.has(mediaType ?? '')) return byType;
  const extension = extensionOf(fileName);
  return (extension === undefined ? undefined : formatByExtension[extension]) ?? byType;
}

function unsupported(fileName: string, contentType?: string | null): UnsupportedDocumentError {
  const extension = extensionOf(fileName);
  const kind = [extension ? `.${extension}` : 'no extension', contentType ? `content type ${contentType}` : undefined].filter(Boolean).join(', ');
  const extensions = Object.keys(formatByExtension).map((ext) => `.${ext}`).join(', ');
  return new UnsupportedDocumentError(
    `cannot load ${fileName} (${kind}): unsupported document type; supported are plain text, Markdown, HTML, PDF, DOCX, JSON and CSV (${extensions})`,
  );
}

/** One document per file, except JSON and CSV, which give one per record; refused past `limits`. */
export async function loadDocument(input: { bytes: Buffer; fileName: string; contentType?: string | null; limits?: DocumentLimits }): Promise<LoadedDocument[]> {
  const { bytes, fileName, contentType, limits = defaultDocumentLimits } = input;
  const format = detectFormat(fileName, contentType);
  if (format === undefined) throw unsupported(fileName, contentType);
  const { charset } = parseContentType(contentType);
  const text = () => decodeText(bytes, charset, fileName);
  let documents: LoadedDocument[];
  switch (format) {
    case 'pdf':
      documents = [await loadPdf(bytes, fileName, limits)];
      break;
    case 'docx':
      documents = [await loadDocx(bytes, fileName, limits)];
      break;
    case 'text':
      documents = [loadPlainText(text(), fileName)];
      break;
    case 'markdown':
      documents = [loadMarkdown(text(), fileName)];
      break;
    case 'html':
      documents = [htmlToDocument(text(), fileName, 'html', limits)];
      break;
    case 'json':
      documents = loadJsonRecords(text(), fileName, limits);
      break;
    case 'csv':
      documents = loadCsvRecords(text(), fileName);
      break;
  }
  const chars = documents.reduce((sum, doc) => sum + doc.text.length, 0);
  if (chars > limits.maxTextChars) throw new DocumentLimitError(`${fileName} holds ${chars} characters of text, more than the ${limits.maxTextChars} allowed`);
  // A JSON "\u0000" or a PDF's odd glyph must not reach PostgreSQL, which refuses NUL in text.
  return documents.map((doc) => (doc.text.includes('\0') || doc.title.includes('\0') ? { ...doc, title: doc.title.replaceAll('\0', ''), text: doc.text.replaceAll('\0', ' ') } : doc));
}

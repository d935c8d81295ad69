// Hostile documents, generated small: a few hundred KB on disk that inflate to hundreds of MB, or
// nest deeper than any parser should follow. Nothing here is checked in as a file.
import { constants, createDeflate, createDeflateRaw, deflateRawSync, type Deflate, type DeflateRaw } from 'node:zlib';

/** Deflates `mib` MiB of one repeated byte without ever holding them: a bomb's payload. */
async function deflateRepeated(stream: Deflate | DeflateRaw, mib: number, byte = 0x20): Promise<Buffer> {
  const block = Buffer.alloc(1024 * 1024, byte);
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  const finished = new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
  for (let i = 0; i < mib; i++) {
    if (!stream.write(block)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  stream.end();
  await finished;
  return Buffer.concat(out);
}

interface ZipEntry {
  name: string;
  /** Deflated bytes, and the size they inflate to. */
  data: Buffer;
  size: number;
}

/** A zip archive (no CRCs: readers of documents do not check them) of deflated entries. */
export function zipOf(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
const rels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;
const deflated = (text: string) => ({ data: deflateRawSync(text), size: Buffer.byteLength(text) });

/** A Word document whose body is `documentXml`. */
export function docxOf(documentXml: string): Buffer {
  return zipOf([
    { name: '[Content_Types].xml', ...deflated(contentTypes) },
    { name: '_rels/.rels', ...deflated(rels) },
    { name: 'word/document.xml', ...deflated(documentXml) },
  ]);
}

const wordBody = (paragraphs: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs}</w:body></w:document>`;

/** A Word document of `count` one-word paragraphs. */
export const docxOfParagraphs = (count: number, word = 'lorem') => docxOf(wordBody(`<w:p><w:r><w:t>${word}</w:t></w:r></w:p>`.repeat(count)));

/** A Word document whose `word/media/filler.bin` inflates to `mib` MiB: some hundred KB on disk. */
export async function docxBomb(mib: number): Promise<Buffer> {
  const data = await deflateRepeated(createDeflateRaw({ level: 9 }), mib);
  return zipOf([
    { name: '[Content_Types].xml', ...deflated(contentTypes) },
    { name: '_rels/.rels', ...deflated(rels) },
    { name: 'word/document.xml', ...deflated(wordBody('<w:p><w:r><w:t>hello</w:t></w:r></w:p>')) },
    { name: 'word/media/filler.bin', data, size: mib * 1024 * 1024 },
  ]);
}

/** A one-page PDF (xref left for pdf.js to rebuild) whose content stream is `content`, Flate-encoded as given. */
export function pdfWithContentStream(stream: Buffer): Buffer {
  const head = Buffer.from(
    '%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
      '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n' +
      '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n' +
      `4 0 obj << /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`,
    'latin1',
  );
  return Buffer.concat([head, stream, Buffer.from('\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1')]);
}

/** A PDF whose one content stream inflates to `mib` MiB of spaces. */
export async function pdfBomb(mib: number): Promise<Buffer> {
  return pdfWithContentStream(await deflateRepeated(createDeflate({ level: 9, finishFlush: constants.Z_FINISH }), mib));
}

export const nestedHtml = (depth: number) => `<!doctype html><html><body>${'<div>'.repeat(depth)}deep${'</div>'.repeat(depth)}</body></html>`;
export const nestedJson = (depth: number) => `[{"title": "deep", "body": ${'['.repeat(depth)}1${']'.repeat(depth)}}]`;

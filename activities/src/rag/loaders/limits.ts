// How big, deep and slow one untrusted document may be. Every bound is checked while reading, so a
// hostile file (a zip or PDF bomb, 100,000 nested tags) stops at the bound instead of at the heap.
import { constants, inflateRawSync, inflateSync } from 'node:zlib';
import { DocumentLimitError } from '../document';

export interface DocumentLimits {
  /** Bytes a DOCX's zip entries, or a PDF's Flate streams, may inflate to in all. */
  maxInflatedBytes: number;
  maxZipEntries: number;
  maxPdfPages: number;
  /** Element nesting of HTML (and the HTML a DOCX becomes), and array/object nesting of JSON. */
  maxNestingDepth: number;
  maxHtmlElements: number;
  /** Characters of text one file may give, all its documents together. */
  maxTextChars: number;
}

export const defaultDocumentLimits: DocumentLimits = {
  maxInflatedBytes: 64 * 1024 * 1024,
  maxZipEntries: 10_000,
  maxPdfPages: 5_000,
  maxNestingDepth: 256,
  maxHtmlElements: 1_000_000,
  maxTextChars: 20_000_000,
};

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

function tooLargeInflated(fileName: string, limits: DocumentLimits): DocumentLimitError {
  return new DocumentLimitError(`${fileName} decompresses to more than ${mib(limits.maxInflatedBytes)} (a decompression bomb, or too large a document)`);
}

/** Inflates with output capped at `room` bytes (truncated streams give what they hold); undefined when the data is not Flate. */
function inflatedLength(data: Uint8Array, room: number, raw: boolean): number | 'over' | undefined {
  try {
    const options = { maxOutputLength: room + 1, finishFlush: constants.Z_SYNC_FLUSH };
    const out = raw ? inflateRawSync(data, options) : inflateSync(data, options);
    return out.length > room ? 'over' : out.length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return 'over';
    return undefined;
  }
}

/**
 * Measures what a zip's entries really inflate to (not what their headers claim), reading entries
 * through the central directory as zip readers do; refuses the file past the limits.
 */
export function checkZipInflation(bytes: Buffer, fileName: string, limits: DocumentLimits): void {
  const eocdFloor = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let at = bytes.length - 22; at >= eocdFloor; at--) {
    if (bytes.readUInt32LE(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  // Not a zip at all: the document parser gives the precise reason.
  if (eocd < 0) return;
  const entries = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  if (entries === 0xffff || at === 0xffffffff) throw new DocumentLimitError(`${fileName} is a ZIP64 archive; documents that large are not read`);
  if (entries > limits.maxZipEntries) throw new DocumentLimitError(`${fileName} holds ${entries} zip entries, more than the ${limits.maxZipEntries} allowed`);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return;
    const method = bytes.readUInt16LE(at + 10);
    const compressed = bytes.readUInt32LE(at + 20);
    const local = bytes.readUInt32LE(at + 42);
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) return;
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(dataStart, dataStart + compressed);
    const room = limits.maxInflatedBytes - total;
    const size = method === 0 ? data.length : method === 8 ? inflatedLength(data, room, true) : 0;
    if (size === 'over' || (size ?? 0) > room) throw tooLargeInflated(fileName, limits);
    total += size ?? 0;
  }
}

const streamKeyword = Buffer.from('stream');
const endstreamKeyword = Buffer.from('endstream');

/**
 * Measures what a PDF's Flate streams inflate to, every stream the file holds (object streams
 * included), before pdf.js decodes any of them; refuses the file past the limit.
 */
export function checkPdfInflation(bytes: Uint8Array, fileName: string, limits: DocumentLimits): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  let from = 0;
  for (;;) {
    const keyword = buffer.indexOf(streamKeyword, from);
    if (keyword < 0) return;
    from = keyword + streamKeyword.length;
    if (keyword >= 3 && buffer.toString('latin1', keyword - 3, keyword) === 'end') continue;
    let dataStart = from;
    if (buffer[dataStart] === 0x0d) dataStart++;
    if (buffer[dataStart] !== 0x0a) continue;
    dataStart++;
    const end = buffer.indexOf(endstreamKeyword, dataStart);
    const dataEnd = end < 0 ? buffer.length : end;
    const room = limits.maxInflatedBytes - total;
    const size = inflatedLength(buffer.subarray(dataStart, dataEnd), room, false);
    if (size === 'over') throw tooLargeInflated(fileName, limits);
    total += size ?? 0;
    from = dataEnd;
  }
}

/** The deepest array/object nesting of a JSON text, scanning it once without parsing; stops past `max`. */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > max) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}

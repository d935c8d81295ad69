import path from 'node:path';
import { TextDecoder } from 'node:util';
import { CorruptDocumentError, type LoadedDocument } from '../document';
import { wholeTextSection } from './sections';

/** The file's own name, without the folders or URL path before it: the fallback title. */
export function baseName(fileName: string): string {
  return path.posix.basename(fileName.replaceAll('\\', '/')) || fileName;
}

/**
 * Bytes to a string in the charset the content type names (UTF-8 when it names none or one this
 * Node does not know), without a byte-order mark and with `\n` line ends, so offsets are stable.
 */
export function decodeText(bytes: Uint8Array, charset?: string, fileName = 'the file'): string {
  // PostgreSQL text cannot hold NUL, and a text file with NULs is binary or UTF-16 without a BOM.
  const nul = bytes.indexOf(0);
  if (nul >= 0 && !/^utf-?16/i.test(charset ?? '')) {
    throw new CorruptDocumentError(`${fileName} holds a NUL byte at offset ${nul}: it is binary, or UTF-16 text without a byte-order mark, not text Astra reads`);
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes).replace(/\r\n?/g, '\n').replaceAll('\0', '');
}

/** Plain text is kept as it is: one section, titled by its file name. */
export function loadPlainText(text: string, fileName: string): LoadedDocument {
  return { title: baseName(fileName), text, format: 'text', sections: wholeTextSection(text) };
}

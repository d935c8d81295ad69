// What a loader hands the chunker: plain text with the structure (headings, pages) kept as offsets.

export const documentFormats = ['text', 'markdown', 'html', 'pdf', 'docx', 'json', 'csv'] as const;
export type DocumentFormat = (typeof documentFormats)[number];

/** A run of `text` under one heading path (or one page); `start`/`end` are character offsets into `text`. */
export interface DocumentSection {
  headingPath: string[];
  start: number;
  end: number;
}

export interface LoadedDocument {
  title: string;
  text: string;
  format: DocumentFormat;
  sections: DocumentSection[];
}

/** The file's type is not one Astra reads; the message names it and the supported ones. */
export class UnsupportedDocumentError extends Error {
  override name = 'UnsupportedDocumentError';
}

/** The file claims a supported type but its parser cannot read it; the message says why. */
export class CorruptDocumentError extends Error {
  override name = 'CorruptDocumentError';
}

/** The file is readable but bigger, deeper or slower than a document may be; the message names the limit. */
export class DocumentLimitError extends Error {
  override name = 'DocumentLimitError';
}

// JSON and CSV files are tables of records: each record becomes a document of its own, written as
// `key: value` lines, so a search hit is one row and not the whole file.
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { CorruptDocumentError, DocumentLimitError, type LoadedDocument } from '../document';
import { defaultDocumentLimits, jsonNestingExceeds, type DocumentLimits } from './limits';
import { wholeTextSection } from './sections';
import { baseName } from './text';

type RecordFields = Record<string, unknown>;

const isRecord = (value: unknown): value is RecordFields => typeof value === 'object' && value !== null && !Array.isArray(value);
const csvRows = z.array(z.record(z.string(), z.string()));
const titleKeys = ['title', 'name'];

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return isRecord(value) ? 'an object' : `a ${typeof value}`;
}

function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function recordDocument(fields: RecordFields, row: number, fileName: string, format: 'json' | 'csv'): LoadedDocument {
  const entries = Object.entries(fields).map(([key, value]) => [key, fieldText(value)] as const);
  const titleEntry = titleKeys.map((wanted) => entries.find(([key, value]) => key.toLowerCase() === wanted && value !== '')).find(Boolean);
  const text = entries
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
  return { title: titleEntry?.[1] ?? `${baseName(fileName)} row ${row}`, text, format, sections: wholeTextSection(text) };
}

/** The records of a JSON file: an array of objects, or an object holding exactly one such array. */
function jsonRecords(data: unknown, fileName: string): unknown[] {
  if (Array.isArray(data)) return data;
  if (isRecord(data)) {
    const arrays = Object.entries(data).filter(([, value]) => Array.isArray(value));
    const [only] = arrays;
    if (arrays.length === 1 && only && Array.isArray(only[1])) return only[1];
    const found = arrays.length === 0 ? 'no array property' : `${arrays.length} array properties (${arrays.map(([key]) => key).join(', ')})`;
    throw new CorruptDocumentError(`${fileName} holds an object with ${found}; expected an array of records or an object with one array of records`);
  }
  throw new CorruptDocumentError(`${fileName} holds ${describe(data)}; expected an array of records or an object with one array of records`);
}

export function loadJsonRecords(text: string, fileName: string, limits: DocumentLimits = defaultDocumentLimits): LoadedDocument[] {
  // Checked before parsing: every later step (stringifying a field, storing it) recurses too.
  if (jsonNestingExceeds(text, limits.maxNestingDepth)) throw new DocumentLimitError(`${fileName} nests arrays or objects more than ${limits.maxNestingDepth} deep`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CorruptDocumentError(`${fileName} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return jsonRecords(data, fileName).map((record, i) => {
    if (!isRecord(record)) throw new CorruptDocumentError(`${fileName} record ${i + 1} is ${describe(record)}; every record must be an object`);
    return recordDocument(record, i + 1, fileName, 'json');
  });
}

/** CSV with a header row naming the fields. */
export function loadCsvRecords(text: string, fileName: string): LoadedDocument[] {
  let rows: unknown;
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, trim: true });
  } catch (error) {
    throw new CorruptDocumentError(`${fileName} is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = csvRows.safeParse(rows);
  if (!parsed.success) throw new CorruptDocumentError(`${fileName} is not valid CSV: ${parsed.error.issues[0]?.message ?? 'unexpected rows'}`);
  return parsed.data.map((row, i) => recordDocument(row, i + 1, fileName, 'csv'));
}

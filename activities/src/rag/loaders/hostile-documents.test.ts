// Hostile documents against the loaders and the sandbox they run in for ingest: bombs, deep nesting,
// NUL bytes, and files that get past every check but still need too much memory or time.
import { PDFDocument } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptDocumentError, DocumentLimitError } from '../document';
import { docxBomb, docxOfParagraphs, nestedHtml, nestedJson, pdfBomb } from '../testing/hostile';
import { loadDocument } from './index';
import { defaultDocumentLimits, jsonNestingExceeds } from './limits';
import { createDocumentSandbox } from './sandbox';

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(() => undefined, (error: unknown) => error);
  if (!(outcome instanceof Error)) throw new Error('expected the load to be refused');
  return outcome;
}

const load = (bytes: Buffer | string, fileName: string, limits = defaultDocumentLimits) =>
  loadDocument({ bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes, fileName, limits });

describe('document limits, checked while reading', () => {
  it('refuses a DOCX whose zip inflates past the limit, measuring what it really inflates to', async () => {
    const bomb = await docxBomb(256);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const error = await refusal(load(bomb, 'bomb.docx'));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error.message).toBe('bomb.docx decompresses to more than 64 MiB (a decompression bomb, or too large a document)');
    // A real document of the same shape still loads.
    const [doc] = await load(docxOfParagraphs(300, 'paragraph'), 'fine.docx');
    expect(doc?.text.split('\n\n')).toHaveLength(300);
  });

  it('refuses a PDF whose content stream inflates past the limit, before pdf.js decodes it', async () => {
    const bomb = await pdfBomb(128);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const error = await refusal(load(bomb, 'bomb.pdf'));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error.message).toMatch(/^bomb\.pdf decompresses to more than 64 MiB/);
  });

  it('refuses a PDF with more pages than allowed', async () => {
    const pdf = await PDFDocument.create();
    for (let i = 0; i < 4; i++) pdf.addPage();
    const error = await refusal(load(Buffer.from(await pdf.save()), 'long.pdf', { ...defaultDocumentLimits, maxPdfPages: 3 }));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error.message).toBe('long.pdf has 4 pages, more than the 3 allowed');
  });

  it('refuses HTML nested deeper than the limit and keeps reading pages nested within it', async () => {
    const error = await refusal(load(nestedHtml(100_000), 'deep.html'));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error.message).toBe('deep.html nests elements more than 256 deep');
    const [doc] = await load(nestedHtml(200), 'nested.html');
    expect(doc?.text).toBe('deep');
  });

  it('stops parsing deep HTML at the limit: the parser builds at most the limit of nested elements', async () => {
    // Work bound, not a stopwatch: count the elements parse5 creates before the refusal.
    const small = await refusal(load(nestedHtml(1_000), 'a.html', { ...defaultDocumentLimits, maxHtmlElements: 10_000 }));
    const large = await refusal(load(nestedHtml(100_000), 'b.html', { ...defaultDocumentLimits, maxHtmlElements: 10_000 }));
    expect(small.message).toMatch(/nests elements more than 256 deep/);
    expect(large.message).toMatch(/nests elements more than 256 deep/);
    const flat = await refusal(load(`<body>${'<p>x</p>'.repeat(10_001)}</body>`, 'wide.html', { ...defaultDocumentLimits, maxHtmlElements: 10_000 }));
    expect(flat.message).toBe('wide.html has more than 10000 elements');
  });

  it('refuses JSON nested deeper than the limit, counting brackets inside strings as text', async () => {
    const error = await refusal(load(nestedJson(10_000), 'deep.json'));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error.message).toBe('deep.json nests arrays or objects more than 256 deep');
    expect(jsonNestingExceeds(`[{"a": "${'['.repeat(1000)}\\"${'{'.repeat(1000)}"}]`, 3)).toBe(false);
    const docs = await load(nestedJson(20), 'nested.json');
    expect(docs).toHaveLength(1);
  });

  it('refuses a text file with NUL bytes, naming the offset, and drops NUL escapes from JSON values', async () => {
    const error = await refusal(load(Buffer.concat([Buffer.from('hello'), Buffer.alloc(3), Buffer.from('world')]), 'binary.txt'));
    expect(error).toBeInstanceOf(CorruptDocumentError);
    expect(error.message).toMatch(/^binary\.txt holds a NUL byte at offset 5/);
    const [record] = await load('[{"title": "a\\u0000b", "body": "x\\u0000y"}]', 'nul.json');
    expect(record?.title).toBe('ab');
    expect(record?.text).not.toContain('\0');
  });

  it('refuses a file that gives more text than allowed', async () => {
    const error = await refusal(load('word '.repeat(1000), 'long.txt', { ...defaultDocumentLimits, maxTextChars: 4000 }));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error.message).toBe('long.txt holds 5000 characters of text, more than the 4000 allowed');
  });
});

describe('the document sandbox', () => {
  const sandbox = createDocumentSandbox();
  afterAll(() => sandbox.close());

  it('reads documents in a thread and gives the same result as in process', async () => {
    const bytes = docxOfParagraphs(50, 'thread');
    expect(await sandbox.load({ bytes, fileName: 'a.docx' })).toEqual(await loadDocument({ bytes, fileName: 'a.docx' }));
  });

  it('reports a refused document with its kind and message, and reads the next one', async () => {
    const error = await refusal(sandbox.load({ bytes: await docxBomb(128), fileName: 'bomb.docx' }));
    expect(error).toBeInstanceOf(DocumentLimitError);
    expect(error.message).toMatch(/^bomb\.docx decompresses to more than 64 MiB/);
    const corrupt = await refusal(sandbox.load({ bytes: Buffer.from('PK not a zip'), fileName: 'broken.docx' }));
    expect(corrupt).toBeInstanceOf(CorruptDocumentError);
    expect(await sandbox.load({ bytes: Buffer.from('# Still here\n\nyes'), fileName: 'after.md' })).toHaveLength(1);
  });

  it('survives a document that gets past every check but needs more memory than its thread has', async () => {
    const tight = createDocumentSandbox({ limits: { maxInflatedBytes: 2 ** 30, heapMb: 96 }, threads: 1 });
    try {
      // 38 MB of Word XML: within the inflation limit given, far beyond 96 MiB once mammoth builds its tree.
      const error = await refusal(tight.load({ bytes: docxOfParagraphs(1_000_000), fileName: 'huge.docx' }));
      expect(error).toBeInstanceOf(DocumentLimitError);
      expect(error.message).toBe('huge.docx needs more than 96 MiB of memory to read');
      const [after] = await tight.load({ bytes: docxOfParagraphs(3, 'fresh'), fileName: 'after.docx' });
      expect(after?.text).toBe('fresh\n\nfresh\n\nfresh');
    } finally {
      await tight.close();
    }
    // Building 38 MB of Word XML and a thread running out of heap took 20 s on a loaded 2-core machine.
  }, 180_000);

  it('gives up on a document that takes longer than its time budget and reads the next one', async () => {
    const hurried = createDocumentSandbox({ limits: { timeBudgetMs: 50 }, threads: 1 });
    try {
      // Half a million elements: seconds of parsing, a hundred times the budget.
      const error = await refusal(hurried.load({ bytes: Buffer.from(`<body>${'<p>word</p>'.repeat(240_000)}</body>`), fileName: 'slow.html' }));
      expect(error).toBeInstanceOf(DocumentLimitError);
      expect(error.message).toBe('slow.html took more than 50 ms to read');
      expect(await hurried.load({ bytes: Buffer.from('quick'), fileName: 'quick.txt' })).toHaveLength(1);
    } finally {
      await hurried.close();
    }
  });
});

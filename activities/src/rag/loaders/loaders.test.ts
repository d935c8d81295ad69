import { readFile } from 'node:fs/promises';
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { CorruptDocumentError, UnsupportedDocumentError, type LoadedDocument } from '../document';
import { detectFormat, loadDocument } from './index';
import { sqlitePagePath } from '../testing/corpus';


async function loadOne(bytes: Buffer | string, fileName: string, contentType?: string): Promise<LoadedDocument> {
  const docs = await loadDocument({ bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes, fileName, contentType: contentType ?? null });
  expect(docs).toHaveLength(1);
  return docs[0]!;
}

const loadSqlitePage = async (name: string) => loadOne(await readFile(await sqlitePagePath(name)), name);

/** The heading path and the text of every section, which is what the chunker will see. */
const sectionsOf = (doc: LoadedDocument) => doc.sections.map((section) => ({ path: section.headingPath, text: doc.text.slice(section.start, section.end) }));

/** Sections must lie in order inside the text without overlapping, each starting with its own heading. */
function expectWellFormedSections(doc: LoadedDocument): void {
  let cursor = 0;
  for (const section of doc.sections) {
    expect(section.start).toBeGreaterThanOrEqual(cursor);
    expect(section.end).toBeGreaterThan(section.start);
    expect(section.end).toBeLessThanOrEqual(doc.text.length);
    const heading = section.headingPath.at(-1);
    if (heading !== undefined && doc.format !== 'pdf') expect(doc.text.slice(section.start)).toMatch(new RegExp(`^(#+ )?${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    cursor = section.end;
  }
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-error: ${String(error)}`);
  }
  throw new Error('expected the promise to reject');
}

describe('detectFormat', () => {
  it('reads the format from the extension, case-insensitively, ignoring folders and query strings', () => {
    expect(detectFormat('notes.txt')).toBe('text');
    expect(detectFormat('docs/README.MD')).toBe('markdown');
    expect(detectFormat('https://example.com/a/page.htm?x=1#top')).toBe('html');
    expect(detectFormat('report.pdf')).toBe('pdf');
    expect(detectFormat('letter.DOCX')).toBe('docx');
    expect(detectFormat('rows.json')).toBe('json');
    expect(detectFormat('rows.csv')).toBe('csv');
  });

  it('prefers a specific content type, falls back to the extension for generic ones, and gives up on unknown files', () => {
    expect(detectFormat('download', 'application/pdf')).toBe('pdf');
    expect(detectFormat('page', 'text/html; charset=utf-8')).toBe('html');
    expect(detectFormat('notes.md', 'text/plain')).toBe('markdown');
    expect(detectFormat('data.csv', 'application/octet-stream')).toBe('csv');
    expect(detectFormat('readme', 'text/plain')).toBe('text');
    expect(detectFormat('photo.png', 'image/png')).toBeUndefined();
    expect(detectFormat('archive.tar.gz')).toBeUndefined();
    expect(detectFormat('Makefile', null)).toBeUndefined();
  });
});

describe('loadDocument: unsupported files', () => {
  it('refuses an unknown type with an UnsupportedDocumentError naming it and the supported types', async () => {
    const error = await caught(loadDocument({ bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47]), fileName: 'photo.png', contentType: 'image/png' }));
    expect(error).toBeInstanceOf(UnsupportedDocumentError);
    expect(error.message).toContain('.png');
    expect(error.message).toContain('image/png');
    expect(error.message).toMatch(/Markdown, HTML, PDF, DOCX, JSON and CSV/);
  });
});

describe('loadDocument: plain text', () => {
  it('keeps the text (with \\n line ends and no byte-order mark) as one section titled by the file name', async () => {
    const doc = await loadOne(Buffer.from('\ufeffFirst line\r\nSecond line\r\n', 'utf8'), 'folder/notes.txt');
    expect(doc).toEqual({
      title: 'notes.txt',
      text: 'First line\nSecond line\n',
      format: 'text',
      sections: [{ headingPath: [], start: 0, end: 23 }],
    });
  });

  it('decodes the charset the content type names', async () => {
    const doc = await loadOne(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'latin.txt', 'text/plain; charset=ISO-8859-1');
    expect(doc.text).toBe('café');
  });
});

describe('loadDocument: Markdown', () => {
  const source = [
    '# Astra handbook',
    '',
    'Intro paragraph with **bold** text.',
    '',
    'Install',
    '=======',
    '',
    'Run the installer.',
    '',
    '## On `Debian`',
    '',
    '```sh',
    '# not a heading: a shell comment',
    'apt install astra',
    '```',
    '',
    'On macOS',
    '--------',
    '',
    'Use brew.',
    '',
    '- a list item',
    '',
    '---',
    '',
    'Usage ##',
    '=====',
    'Start it.',
  ].join('\n');

  it('keeps the source as is and cuts sections at ATX and Setext headings, skipping fenced code', async () => {
    const doc = await loadOne(source, 'handbook.md');
    expect(doc.title).toBe('Astra handbook');
    expect(doc.format).toBe('markdown');
    expect(doc.text).toBe(source);
    expect(doc.sections.map((section) => section.headingPath)).toEqual([
      ['Astra handbook'],
      ['Install'],
      ['Install', 'On Debian'],
      ['Install', 'On macOS'],
      ['Usage ##'],
    ]);
    const debian = sectionsOf(doc).find((section) => section.path.at(-1) === 'On Debian');
    expect(debian?.text).toContain('# not a heading: a shell comment');
    expect(debian?.text.startsWith('## On `Debian`')).toBe(true);
  });

  it('takes the title from front matter, else the first # heading, else the file name', async () => {
    expect((await loadOne('---\ntitle: "Release notes"\n---\n# Version 2\n', 'notes.md')).title).toBe('Release notes');
    expect((await loadOne('## Only a subheading\n\ntext', 'docs/guide.md')).title).toBe('guide.md');
    const front = await loadOne('---\ntitle: x\nauthor: y\n---\nBody\n', 'front.md');
    expect(front.sections).toEqual([{ headingPath: [], start: 0, end: front.text.length }]);
  });
});

describe('loadDocument: HTML', () => {
  const page = `<!doctype html><html><head><title>Astra &amp; friends</title><style>.x{color:red}</style>
    <script>window.tracking = "SECRET-SCRIPT";</script></head>
    <body>
      <header><a href="/">Home</a> <a href="/blog">Blog</a> <a href="/about">About us</a></header>
      <nav><ul><li><a href="/a">NavOne</a></li><li><a href="/b">NavTwo</a></li></ul></nav>
      <main>
        <h1>Getting   started</h1>
        <p>Astra runs   <em>durable</em>
           pipelines&nbsp;&mdash; caf&eacute; &#x2014; &lt;ok&gt;.</p>
        <noscript>Enable JavaScript</noscript>
        <template><p>Template text</p></template>
        <form><label>Email</label><input name="q"><button>Subscribe</button></form>
        <aside>Sponsored sidebar</aside>
        <h2>Install</h2>
        <ul><li>First step</li><li>Second <b>step</b><ul><li>Nested step</li></ul></li></ul>
        <ol start="3"><li>Third</li><li>Fourth</li></ol>
        <h3>On Debian</h3>
        <pre>apt install astra
  --yes</pre>
        <table><tr><th>Name</th><th>Value</th></tr><tr><td>port</td><td>8080</td></tr></table>
        <h2>Use</h2>
        <p>First line<br>second line</p>
      </main>
      <footer>Copyright footer text</footer>
    </body></html>`;

  it('keeps the main content with its headings as sections and drops scripts, navigation, forms and asides', async () => {
    const doc = await loadOne(page, 'page.html');
    expect(doc.title).toBe('Astra & friends');
    expect(doc.format).toBe('html');
    expect(doc.text).toBe(
      [
        'Getting started',
        '',
        'Astra runs durable pipelines — café — <ok>.',
        '',
        'Install',
        '',
        '- First step',
        '- Second step',
        '  - Nested step',
        '',
        '3. Third',
        '4. Fourth',
        '',
        'On Debian',
        '',
        'apt install astra',
        '  --yes',
        '',
        'Name | Value',
        'port | 8080',
        '',
        'Use',
        '',
        'First line',
        'second line',
      ].join('\n'),
    );
    expect(sectionsOf(doc).map((section) => section.path)).toEqual([
      ['Getting started'],
      ['Getting started', 'Install'],
      ['Getting started', 'Install', 'On Debian'],
      ['Getting started', 'Use'],
    ]);
    expectWellFormedSections(doc);
  });

  it('falls back to the first h1 for the title and to the body when there is no main region', async () => {
    const doc = await loadOne('<body><div class="menu"><a href="/">Home</a></div><h1>Plain page</h1><p>Body text</p><footer>Footer nav</footer></body>', 'plain.html');
    expect(doc.title).toBe('Plain page');
    expect(doc.text).toBe('Plain page\n\nBody text');
  });

  it('drops unlabelled blocks made only of links, but keeps prose with links and pages that are mostly a link list', async () => {
    const prose = 'Astra keeps every pipeline run durable, so a crash in the middle resumes where it stopped. '.repeat(4).trim();
    const doc = await loadOne(
      `<body><div><a href="/">Home</a> | <a href="/docs">Docs</a> | <a href="/blog">Blog</a> | <a href="/contact">Contact</a></div>
       <h1>Durable runs</h1><p>${prose}</p>
       <p>See <a href="/a">retries</a>, <a href="/b">schedules</a> and <a href="/c">replays</a> for how a run recovers after a crash.</p></body>`,
      'links.html',
    );
    expect(doc.text).toBe(`Durable runs\n\n${prose}\n\nSee retries, schedules and replays for how a run recovers after a crash.`);

    const lang = await loadSqlitePage('lang.html');
    expect(lang.text).toContain('- ALTER TABLE\n');
    expect(lang.text).toContain('- WITH clause');
  });

  it('closes a heading the way browsers do when the page misnests its end tag', async () => {
    const doc = await loadOne('<h2>Documentation</h1><p>Under it</p><h3>Sub</h3><p>More</p>', 'misnested.html');
    expect(doc.sections.map((section) => section.headingPath)).toEqual([['Documentation'], ['Documentation', 'Sub']]);
  });

  it('reads real SQLite documentation pages: title, nested headings, and no scripts or site navigation', async () => {
    const wal = await loadSqlitePage('wal.html');
    expect(wal.title).toBe('Write-Ahead Logging');
    const paths = wal.sections.map((section) => section.headingPath);
    expect(paths).toContainEqual(['1. Overview']);
    expect(paths).toContainEqual(['2. How WAL Works', '2.1. Checkpointing']);
    expect(paths).toContainEqual(['3. Activating And Configuring WAL Mode', '3.3. Persistence of WAL mode']);
    expect(wal.text).toContain('PRAGMA journal_mode=DELETE;');
    expect(wal.text).toContain('The default method by which SQLite implements atomic commit and rollback is a rollback journal.');

    const fts5 = await loadSqlitePage('fts5.html');
    expect(fts5.title).toBe('SQLite FTS5 Extension');
    expect(fts5.sections.map((section) => section.headingPath)).toContainEqual(['3. Full-text Query Syntax', '3.5. FTS5 NEAR Queries']);
    expect(fts5.text).toContain('CREATE VIRTUAL TABLE email USING fts5(sender, title, body);');

    const select = await loadSqlitePage('lang_select.html');
    expect(select.title).toBe('SELECT');
    expect(select.sections.map((section) => section.headingPath)).toContainEqual(['2. Simple Select Processing', '2.3. WHERE clause filtering.']);

    for (const doc of [wal, fts5, select]) {
      expectWellFormedSections(doc);
      // Scripts, the site menu, its tagline, the search form and the table of contents are all chrome.
      for (const chrome of ['toggle_search', 'antiRobot', 'function(', 'Choose any three', 'Search Documentation', 'Table Of Contents', 'Purchase']) {
        expect(doc.text).not.toContain(chrome);
      }
      expect(doc.text).not.toMatch(/^(Home|About|Download|License|Support)$/m);
      expect(doc.text).not.toMatch(/[ \t]\n|\n{3}|^\s|\s$/);
    }
  });
});

describe('loadDocument: PDF', () => {
  async function guidePdf(title?: string): Promise<Buffer> {
    const pdf = await PDFDocument.create();
    const font = await pdf.embedFont(StandardFonts.Helvetica);
    if (title) pdf.setTitle(title);
    const first = pdf.addPage([595, 842]);
    first.drawText('Backups run nightly at two.', { x: 50, y: 780, size: 12, font });
    first.drawText('They are kept for thirty days.', { x: 50, y: 764, size: 12, font });
    first.drawText('Restores need an admin.', { x: 50, y: 720, size: 12, font });
    pdf.addPage([595, 842]);
    pdf.addPage([595, 842]).drawText('Upgrades happen on Sundays.', { x: 50, y: 780, size: 12, font });
    return Buffer.from(await pdf.save());
  }

  it('reads each page as a section, with lines and paragraph gaps, titled from the metadata', async () => {
    const doc = await loadOne(await guidePdf('Astra Operations Guide'), 'guide.pdf');
    expect(doc.title).toBe('Astra Operations Guide');
    expect(doc.format).toBe('pdf');
    expect(doc.text).toBe('Backups run nightly at two.\nThey are kept for thirty days.\n\nRestores need an admin.\n\nUpgrades happen on Sundays.');
    expect(sectionsOf(doc)).toEqual([
      { path: ['Page 1'], text: 'Backups run nightly at two.\nThey are kept for thirty days.\n\nRestores need an admin.' },
      { path: ['Page 3'], text: 'Upgrades happen on Sundays.' },
    ]);
  });

  it('takes the first line as the title when the metadata has none', async () => {
    expect((await loadOne(await guidePdf(), 'untitled.pdf', 'application/pdf')).title).toBe('Backups run nightly at two.');
  });

  it('reports a corrupt or truncated PDF as a CorruptDocumentError with pdf.js’s reason', async () => {
    const truncated = (await guidePdf('x')).subarray(0, 400);
    for (const bytes of [Buffer.from('%PDF-1.7\nthis is not really a PDF'), truncated]) {
      const error = await caught(loadDocument({ bytes, fileName: 'broken.pdf' }));
      expect(error).toBeInstanceOf(CorruptDocumentError);
      expect(error.message).toMatch(/^broken\.pdf is not a readable PDF: Invalid PDF structure/);
    }
  });
});

describe('loadDocument: DOCX', () => {
  it('turns Word heading styles into sections and keeps the paragraphs', async () => {
    const word = new Document({
      sections: [
        {
          children: [
            new Paragraph({ text: 'Install', heading: HeadingLevel.HEADING_1 }),
            new Paragraph({ children: [new TextRun('Install it with '), new TextRun({ text: 'npm', bold: true }), new TextRun('.')] }),
            new Paragraph({ text: 'On Debian', heading: HeadingLevel.HEADING_2 }),
            new Paragraph('Use apt for the system libraries & tools.'),
            new Paragraph({ text: 'Upgrade', heading: HeadingLevel.HEADING_1 }),
            new Paragraph('Run the upgrade command.'),
          ],
        },
      ],
    });
    const doc = await loadOne(await Packer.toBuffer(word), 'handbook.docx');
    expect(doc.title).toBe('Install');
    expect(doc.format).toBe('docx');
    expect(doc.text).toBe('Install\n\nInstall it with npm.\n\nOn Debian\n\nUse apt for the system libraries & tools.\n\nUpgrade\n\nRun the upgrade command.');
    expect(sectionsOf(doc).map((section) => section.path)).toEqual([['Install'], ['Install', 'On Debian'], ['Upgrade']]);
    expectWellFormedSections(doc);
  });

  it('takes the title from a paragraph in the Title style', async () => {
    const word = new Document({ sections: [{ children: [new Paragraph({ text: 'Astra Handbook', heading: HeadingLevel.TITLE }), new Paragraph('Body.')] }] });
    expect((await loadOne(await Packer.toBuffer(word), 'titled.docx')).title).toBe('Astra Handbook');
  });

  it('reports a file that is not a Word document as a CorruptDocumentError with mammoth’s reason', async () => {
    const error = await caught(loadDocument({ bytes: Buffer.from('PK\u0003\u0004 not really a zip'), fileName: 'broken.docx' }));
    expect(error).toBeInstanceOf(CorruptDocumentError);
    expect(error.message).toMatch(/^broken\.docx is not a readable Word document: .*end of central directory/);
  });
});

describe('loadDocument: JSON and CSV records', () => {
  it('gives one document per JSON record, titled by its title or name field, else by row', async () => {
    const docs = await loadDocument({
      bytes: Buffer.from(JSON.stringify([{ title: 'Backups', body: 'Nightly.', tags: ['ops', 'db'] }, { name: 'Upgrades', body: 'On Sundays.', owner: null }, { body: 'Untitled.', size: 3 }])),
      fileName: 'faq.json',
    });
    expect(docs.map((doc) => [doc.title, doc.text, doc.format])).toEqual([
      ['Backups', 'title: Backups\nbody: Nightly.\ntags: ["ops","db"]', 'json'],
      ['Upgrades', 'name: Upgrades\nbody: On Sundays.', 'json'],
      ['faq.json row 3', 'body: Untitled.\nsize: 3', 'json'],
    ]);
    expect(docs[0]!.sections).toEqual([{ headingPath: [], start: 0, end: docs[0]!.text.length }]);
  });

  it('reads the records of an object with one array property', async () => {
    const docs = await loadDocument({ bytes: Buffer.from('{"version": 2, "items": [{"name": "a"}, {"name": "b"}]}'), fileName: 'wrapped.json' });
    expect(docs.map((doc) => doc.title)).toEqual(['a', 'b']);
  });

  it('reports broken JSON and JSON of another shape as CorruptDocumentErrors that say why', async () => {
    const broken = await caught(loadDocument({ bytes: Buffer.from('[{"title": "a",]'), fileName: 'broken.json' }));
    expect(broken).toBeInstanceOf(CorruptDocumentError);
    expect(broken.message).toMatch(/^broken\.json is not valid JSON: .+/);
    const twoArrays = await caught(loadDocument({ bytes: Buffer.from('{"a": [], "b": []}'), fileName: 'two.json' }));
    expect(twoArrays).toBeInstanceOf(CorruptDocumentError);
    expect(twoArrays.message).toContain('2 array properties (a, b)');
    const scalars = await caught(loadDocument({ bytes: Buffer.from('[{"a": 1}, 42]'), fileName: 'mixed.json' }));
    expect(scalars.message).toBe('mixed.json record 2 is a number; every record must be an object');
  });

  it('gives one document per CSV row, with quoted commas and line breaks kept', async () => {
    const csv = '\ufeffName,Description,Price\n"Widget, large","Sturdy.\nShips flat.",10\n,Spare part,2\n';
    const docs = await loadDocument({ bytes: Buffer.from(csv), fileName: 'catalog.csv', contentType: 'text/csv' });
    expect(docs.map((doc) => [doc.title, doc.text, doc.format])).toEqual([
      ['Widget, large', 'Name: Widget, large\nDescription: Sturdy.\nShips flat.\nPrice: 10', 'csv'],
      ['catalog.csv row 2', 'Description: Spare part\nPrice: 2', 'csv'],
    ]);
  });

  it('reports a CSV row with the wrong number of fields as a CorruptDocumentError', async () => {
    const error = await caught(loadDocument({ bytes: Buffer.from('a,b\n1,2\n3,4,5\n'), fileName: 'ragged.csv' }));
    expect(error).toBeInstanceOf(CorruptDocumentError);
    expect(error.message).toMatch(/^ragged\.csv is not valid CSV: .*(record|column|field)/i);
  });
});

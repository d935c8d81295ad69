// Word documents through mammoth's HTML, so heading styles become the same sections HTML pages get.
import mammoth from 'mammoth';
import { CorruptDocumentError, type LoadedDocument } from '../document';
import { htmlToDocument } from './html';
import { checkZipInflation, defaultDocumentLimits, type DocumentLimits } from './limits';

// A paragraph in Word's Title style is the document's top heading.
const styleMap = ["p[style-name='Title'] => h1:fresh"];
// Images carry no text here: skip encoding them as data URIs.
const skipImage = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));

export async function loadDocx(bytes: Buffer, fileName: string, limits: DocumentLimits = defaultDocumentLimits): Promise<LoadedDocument> {
  // Before mammoth inflates anything: a 45 KB zip can hold gigabytes.
  checkZipInflation(bytes, fileName, limits);
  let html: string;
  try {
    ({ value: html } = await mammoth.convertToHtml({ buffer: bytes }, { styleMap, convertImage: skipImage, externalFileAccess: false }));
  } catch (error) {
    throw new CorruptDocumentError(`${fileName} is not a readable Word document: ${error instanceof Error ? error.message : String(error)}`);
  }
  return htmlToDocument(html, fileName, 'docx', limits);
}

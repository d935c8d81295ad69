// Model output and document text as markdown: raw HTML in the text is shown as text (escaped by the
// renderer), and the rendered HTML is sanitized again by DOMPurify before it reaches the page.
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // HTML written in the text (a block or an inline tag) is text to read, never markup to run.
    html: ({ text }) => escapeHtml(text),
  },
});

const purifyOptions = {
  // No images, media, frames, forms or styles: text from a model or a document may not load or run anything.
  FORBID_TAGS: ['img', 'picture', 'video', 'audio', 'source', 'iframe', 'object', 'embed', 'form', 'input', 'button', 'style', 'svg', 'math'],
  FORBID_ATTR: ['style', 'srcset'],
  ALLOW_DATA_ATTR: false,
};

let hooked = false;

/** Sanitized HTML for a markdown text; links open in a new tab without access to this page. */
export function renderMarkdown(text: string): string {
  if (!hooked) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
    hooked = true;
  }
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, purifyOptions);
}

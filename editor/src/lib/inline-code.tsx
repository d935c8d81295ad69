import type { ReactNode } from 'react';

/** Spec descriptions mark names as `code`: show those as code, the rest as plain text. */
export function withCode(text: string): ReactNode[] {
  return text.split(/(`[^`]+`)/g).map((part, i) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? <code key={i}>{part.slice(1, -1)}</code> : part));
}

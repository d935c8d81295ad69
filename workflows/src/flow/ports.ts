// The values that travel along a flow's edges. Each port has one of these types; an edge is allowed
// when the target accepts the source's type (the editor refuses the rest with the reason below).
import type { Citation, RetrievedChunk } from '../answer';

/** A document as a loader hands it on: plain text plus the heading structure the chunker cuts at. */
export interface FlowDocument {
  source: string;
  title: string;
  text: string;
  format: string;
  contentHash: string;
  sections: Array<{ headingPath: string[]; start: number; end: number }>;
}

/** One piece of a document, with real character offsets into it. */
export interface FlowChunk {
  source: string;
  title: string;
  contentHash: string;
  index: number;
  text: string;
  start: number;
  end: number;
  headingPath: string[];
}

export interface FlowEmbeddings {
  model: string;
  dimension: number;
  vectors: number[][];
}

export interface FlowCollection {
  id: string;
  name: string;
}

export interface FlowAnswer {
  answer: string;
  citations: Citation[];
}

export interface FlowMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Every port type with the TypeScript type of its value. */
export interface PortValues {
  text: string;
  number: number;
  boolean: boolean;
  json: unknown;
  list: unknown[];
  documents: FlowDocument[];
  chunks: FlowChunk[];
  embeddings: FlowEmbeddings;
  collection: FlowCollection;
  passages: RetrievedChunk[];
  messages: FlowMessage[];
  answer: FlowAnswer;
  any: unknown;
}

export type PortType = keyof PortValues;

export const portTypes: Record<PortType, { label: string; description: string }> = {
  text: { label: 'Text', description: 'A string.' },
  number: { label: 'Number', description: 'A number.' },
  boolean: { label: 'Boolean', description: 'true or false.' },
  json: { label: 'JSON', description: 'Any JSON value.' },
  list: { label: 'List', description: 'A list of values.' },
  documents: { label: 'Documents', description: 'Loaded documents: text with their headings and source.' },
  chunks: { label: 'Chunks', description: 'Document chunks with their offsets, ready to embed.' },
  embeddings: { label: 'Embeddings', description: 'One vector per chunk, in chunk order.' },
  collection: { label: 'Collection', description: 'A reference to a stored collection.' },
  passages: { label: 'Passages', description: 'Retrieved passages with their scores.' },
  messages: { label: 'Messages', description: 'Chat messages for a model.' },
  answer: { label: 'Answer', description: 'An answer with numbered citations.' },
  any: { label: 'Any', description: 'Accepts or gives any value.' },
};

/** What each target type takes besides itself; the activity coerces (documents → their joined text, and so on). */
const accepts = {
  text: ['number', 'boolean', 'documents', 'chunks', 'passages', 'answer', 'json'],
  number: [],
  boolean: [],
  json: ['text', 'number', 'boolean', 'list', 'documents', 'chunks', 'collection', 'passages', 'messages', 'answer'],
  list: ['documents', 'chunks', 'passages', 'json'],
  documents: [],
  chunks: [],
  embeddings: [],
  // A collection's name as text (an Input a chat app fills with the conversation's own collection).
  collection: ['text'],
  passages: [],
  messages: ['text'],
  answer: [],
  any: ['text', 'number', 'boolean', 'json', 'list', 'documents', 'chunks', 'embeddings', 'collection', 'passages', 'messages', 'answer'],
} as const satisfies Record<PortType, readonly PortType[]>;

/** What an input port of type T may receive: its own type or any type it accepts (validated when the flow is saved). */
export type PortInput<T extends PortType> = PortValues[T | (typeof accepts)[T][number]];

/** Why an edge from `from` into `to` is refused, or null when it is allowed. */
export function connectionProblem(from: PortType, to: PortType): string | null {
  if (from === to || to === 'any' || from === 'any' || (accepts[to] as readonly PortType[]).includes(from)) return null;
  const takes = [to, ...accepts[to]].map((type) => portTypes[type].label.toLowerCase());
  return `${withArticle(portTypes[from].label.toLowerCase())} output cannot feed ${withArticle(portTypes[to].label.toLowerCase())} input (it takes ${takes.join(', ')})`;
}

export const portCompatibility: Readonly<Record<PortType, readonly PortType[]>> = accepts;

/** "an embeddings", "a text": the article a port type's label reads with. */
function withArticle(label: string): string {
  return `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label}`;
}

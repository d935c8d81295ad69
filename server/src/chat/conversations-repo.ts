// Conversations of one user with one app, and their messages, in order.
import type pg from 'pg';
import type { TurnCitation } from './chat-service';

export interface ChatMessageRecord {
  id: string;
  seq: number;
  role: 'user' | 'assistant';
  content: string;
  citations: TurnCitation[];
  runId: string | null;
  status: 'done' | 'streaming' | 'failed' | 'stopped';
  error: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  firstTokenMs: number | null;
  durationMs: number | null;
  createdAt: string;
}

export interface ConversationRecord {
  id: string;
  appId: string;
  appSlug: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messages?: ChatMessageRecord[];
}

interface MessageRow {
  id: string;
  seq: number;
  role: 'user' | 'assistant';
  content: string;
  citations: TurnCitation[];
  run_id: string | null;
  status: ChatMessageRecord['status'];
  error: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  first_token_ms: number | null;
  duration_ms: number | null;
  created_at: Date;
}

const toMessage = (row: MessageRow): ChatMessageRecord => ({
  id: row.id, seq: row.seq, role: row.role, content: row.content, citations: row.citations, runId: row.run_id, status: row.status, error: row.error,
  promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens, firstTokenMs: row.first_token_ms, durationMs: row.duration_ms, createdAt: row.created_at.toISOString(),
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ConversationRow {
  id: string;
  app_id: string;
  slug: string;
  title: string;
  created_at: Date;
  updated_at: Date;
}

export function createConversationsRepo(pool: pg.Pool) {
  const toConversation = (row: ConversationRow): ConversationRecord => ({
    id: row.id, appId: row.app_id, appSlug: row.slug, title: row.title, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  });
  return {
    async create(userId: string, appId: string, title?: string): Promise<ConversationRecord> {
      const row = (await pool.query<{ id: string }>("insert into conversations (user_id, app_id, title) values ($1, $2, coalesce($3, 'New conversation')) returning id", [userId, appId, title ?? null])).rows[0]!;
      return (await this.get(userId, row.id))!;
    },
    async list(userId: string, appId?: string): Promise<ConversationRecord[]> {
      const rows = await pool.query<ConversationRow>(
        `select c.*, a.slug from conversations c join chat_apps a on a.id = c.app_id where c.user_id = $1 and ($2::uuid is null or c.app_id = $2) order by c.updated_at desc limit 500`,
        [userId, appId ?? null],
      );
      return rows.rows.map(toConversation);
    },
    /** One of the user's conversations with its messages; someone else's is not found. */
    async get(userId: string, id: string): Promise<ConversationRecord | undefined> {
      if (!uuid.test(id)) return undefined;
      const row = (await pool.query<ConversationRow>('select c.*, a.slug from conversations c join chat_apps a on a.id = c.app_id where c.id = $1 and c.user_id = $2', [id, userId])).rows[0];
      if (!row) return undefined;
      const messages = await pool.query<MessageRow>('select * from chat_messages where conversation_id = $1 order by seq', [id]);
      return { ...toConversation(row), messages: messages.rows.map(toMessage) };
    },
    async rename(userId: string, id: string, title: string): Promise<boolean> {
      if (!uuid.test(id)) return false;
      return ((await pool.query('update conversations set title = $3, updated_at = now() where id = $1 and user_id = $2', [id, userId, title])).rowCount ?? 0) > 0;
    },
    async remove(userId: string, id: string): Promise<boolean> {
      if (!uuid.test(id)) return false;
      return ((await pool.query('delete from conversations where id = $1 and user_id = $2', [id, userId])).rowCount ?? 0) > 0;
    },
    /** Appends a message at the end; returns it. */
    async append(conversationId: string, message: { role: 'user' | 'assistant'; content: string; status?: ChatMessageRecord['status']; runId?: string }): Promise<ChatMessageRecord> {
      const row = (await pool.query<MessageRow>(
        `with touched as (update conversations set updated_at = now() where id = $1)
         insert into chat_messages (conversation_id, seq, role, content, status, run_id)
           values ($1, coalesce((select max(seq) + 1 from chat_messages where conversation_id = $1), 0), $2, $3, $4, $5) returning *`,
        [conversationId, message.role, message.content, message.status ?? 'done', message.runId ?? null],
      )).rows[0]!;
      return toMessage(row);
    },
    async setRun(messageId: string, runId: string): Promise<void> {
      await pool.query('update chat_messages set run_id = $2 where id = $1', [messageId, runId]);
    },
    async finish(messageId: string, result: { content: string; status: ChatMessageRecord['status']; error?: string; citations: TurnCitation[]; runId: string | null; promptTokens: number; completionTokens: number; firstTokenMs: number | null; durationMs: number }): Promise<ChatMessageRecord> {
      const row = (await pool.query<MessageRow>(
        `update chat_messages set content = $2, status = $3, error = $4, citations = $5, run_id = $6, prompt_tokens = $7, completion_tokens = $8, first_token_ms = $9, duration_ms = $10
          where id = $1 returning *`,
        [messageId, result.content, result.status, result.error ?? null, JSON.stringify(result.citations), result.runId, result.promptTokens, result.completionTokens, result.firstTokenMs, result.durationMs],
      )).rows[0]!;
      return toMessage(row);
    },
    /** Removes the messages from `seq` on (regenerate drops the last answer; edit-and-resend drops from the edited message). */
    async truncate(conversationId: string, fromSeq: number): Promise<void> {
      await pool.query('delete from chat_messages where conversation_id = $1 and seq >= $2', [conversationId, fromSeq]);
    },
  };
}

export type ConversationsRepo = ReturnType<typeof createConversationsRepo>;

// Reads a server-sent event stream to its end, as a client does, each event's data parsed as JSON.
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the events loosely, as a client would
  data: any;
}

/** Every event until the stream closes; `onEvent` sees each as it arrives (a test can act mid-stream). */
export async function readSse(response: Response, onEvent?: (event: SseEvent) => void | Promise<void>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const arrived: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message) => {
      arrived.push({ event: message.event ?? 'message', data: message.data === '[DONE]' ? '[DONE]' : JSON.parse(message.data) });
    },
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (value) parser.feed(value);
    for (const event of arrived.splice(0)) {
      events.push(event);
      await onEvent?.(event);
    }
    if (done) return events;
  }
}

/** How the page shows a message body of any type (AMQP bodies are typed values, STOMP's bytes or text). */

// Fatal: bytes that are not UTF-8 are shown as binary, not as replacement characters.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function describeBody(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) {
    // A STOMP message read over AMQP arrives as a data section: bytes, usually UTF-8 text.
    try {
      return utf8.decode(body);
    } catch {
      return `binary, ${body.length} bytes`;
    }
  }
  if (body === null || body === undefined) return '(no body)';
  if (typeof body === 'bigint') return body.toString();
  try {
    return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(body);
  }
}

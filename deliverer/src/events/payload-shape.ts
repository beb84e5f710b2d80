/** Nesting any event of the contract needs is 2; 32 leaves room and stops stack-busting inputs. */
export const MAX_PAYLOAD_DEPTH = 32;
/** Far above any valid event (2,000-character text), far below the transport's 1 MB. */
export const MAX_EVENT_BYTES = 64 * 1024;

export interface ShapeLimits {
  maxDepth?: number;
  maxBytes?: number;
  /** Binary attachments (decoded by socket.io as Buffers); no event of the contract has one. */
  allowBinary?: boolean;
}

/**
 * Measures a decoded payload without recursion, stopping as soon as it is nested deeper than
 * `maxDepth` or larger than `maxBytes` (strings by length, binary by byte length, other leaves by
 * a small constant), so a hostile 45,000-deep array costs nothing before it is refused.
 */
export function payloadProblem(
  value: unknown,
  {
    maxDepth = MAX_PAYLOAD_DEPTH,
    maxBytes = MAX_EVENT_BYTES,
    allowBinary = false,
  }: ShapeLimits = {},
): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  let bytes = 0;
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (depth > maxDepth) return `payload is nested deeper than ${maxDepth} levels`;
    if (typeof item === 'string') bytes += item.length;
    else if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) {
      if (!allowBinary) return 'binary attachments are not accepted';
      bytes += item.byteLength;
    } else if (item !== null && typeof item === 'object') {
      const children = Array.isArray(item) ? item : Object.entries(item).flat();
      bytes += 2;
      for (const child of children) stack.push([child, depth + 1]);
    } else bytes += 8;
    if (bytes > maxBytes) return `payload is larger than ${maxBytes} bytes`;
  }
  return undefined;
}

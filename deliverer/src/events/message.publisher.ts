import { randomUUID } from 'node:crypto';
import { WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { AppConfig } from '../config/app.config.js';
import { Metrics } from '../metrics/metrics.js';
import type { BroadcastMessage } from './events.contract.js';
import type { DelivererServer } from './events.types.js';
import { withDefined } from './identity.js';
import { roomKey } from './rooms.js';
import { SendDedupe } from './send-dedupe.js';

/** What a sender says; the publisher adds the id, the node and the time. */
export type MessageDraft = Pick<BroadcastMessage, 'text' | 'sender' | 'senderName' | 'room'>;

export interface Published {
  id: string;
  /** True when the dedupe key was seen before: nothing was sent, `id` is the first send's. */
  replayed: boolean;
}

/**
 * The one way a message enters the cluster, for sockets and for the HTTP API alike: through the
 * adapter to the room's members (or everyone) on every replica, at most once per dedupe key.
 */
@WebSocketGateway()
export class MessagePublisher {
  @WebSocketServer()
  private readonly server: DelivererServer;

  constructor(
    private readonly config: AppConfig,
    private readonly dedupe: SendDedupe,
    private readonly metrics: Metrics,
  ) {}

  /**
   * `dedupeKey`: a socket's clientMsgId as is (it has no `:`), anything else scoped by its source
   * (`api:<key id>:…`), so sources never collide.
   */
  async publish(draft: MessageDraft, dedupeKey?: string): Promise<Published> {
    const message: BroadcastMessage = {
      id: randomUUID(),
      text: draft.text,
      sender: draft.sender,
      ...withDefined('senderName', draft.senderName),
      node: this.config.nodeName,
      sentAt: Date.now(),
      ...withDefined('room', draft.room),
    };
    if (dedupeKey !== undefined) {
      const original = await this.dedupe.claim(dedupeKey, message.id);
      if (original) return { id: original, replayed: true };
    }
    const audience = draft.room === undefined ? this.server : this.server.to(roomKey(draft.room));
    audience.emit('broadcast_event', message);
    this.metrics.broadcasts.inc();
    return { id: message.id, replayed: false };
  }
}

/** The RPC context a handler gets with `@Ctx()`. */
import { BaseRpcContext } from '@nestjs/microservices';
import type { ReceivedMessage } from '../amqp/rx/receiver.js';
import type { StompMessage } from '../stomp/rx/message.js';

type RxMqContextArgs = [message: ReceivedMessage | StompMessage, address: string, pattern: string];

/** `@Ctx() ctx: RxMqContext`: the message as the protocol delivered it, its address and pattern. */
export class RxMqContext extends BaseRpcContext<RxMqContextArgs> {
  constructor(args: RxMqContextArgs) {
    super(args);
  }
  /** The AMQP `ReceivedMessage` or the `StompMessage` (headers, properties, annotations). Do not settle it: the server does. */
  getMessage(): ReceivedMessage | StompMessage { return this.args[0]; }
  /** The address it was consumed from. */
  getAddress(): string { return this.args[1]; }
  /** The pattern (Nest's route string) it was dispatched by. */
  getPattern(): string { return this.args[2]; }
}

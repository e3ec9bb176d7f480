/** The service's handlers: a request/reply pattern and an event, nothing rx-mq specific. */
import { Controller, Inject } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';

export const LEDGER = 'LEDGER';

/** What the service remembers (a stand-in for a database). */
export interface Ledger { readonly shipped: string[] }

export interface Order { readonly id: string; readonly items: number; readonly price: number }

@Controller()
export class OrdersController {
  // Explicit token: works with and without emitDecoratorMetadata (tsx/esbuild emits none).
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  @MessagePattern({ cmd: 'quote' })
  quote(@Payload() order: Order): { id: string; total: number } {
    if (order.items <= 0) throw new RpcException({ code: 'EMPTY_ORDER', message: `order ${order.id} has no items` });
    return { id: order.id, total: order.items * order.price };
  }

  @EventPattern('order.shipped')
  async shipped(@Payload() order: Order): Promise<void> {
    // Settled when this promise resolves: a crash before this point means redelivery, not loss.
    await new Promise((r) => setTimeout(r, 10));
    this.ledger.shipped.push(order.id);
  }
}

/** The example's page: both connection states, the two live feeds, and the send form with each message's outcome. */
import { Component, inject } from '@angular/core';
import { APP_CONFIG } from './config.js';
import { ConnectionStateComponent } from './connection-state.component.js';
import { FeedComponent } from './feed.component.js';
import { Messaging, type Via } from './messaging.js';

@Component({
  selector: 'app-root',
  imports: [ConnectionStateComponent, FeedComponent],
  template: `
    <header>
      <h1>rx-mq + Angular</h1>
      <app-connection-state id="amqp-state" label="AMQP" [state]="messaging.amqpState()" />
      <app-connection-state id="stomp-state" label="STOMP" [state]="messaging.stompState()" />
    </header>
    <main>
      <app-feed id="queue-feed" [title]="'Queue ' + config.queue + ' (AMQP)'" [entries]="messaging.queueFeed()" />
      <app-feed id="topic-feed" [title]="'Topic ' + config.topic + ' (STOMP)'" [entries]="messaging.topicFeed()" />
      <section>
        <h2>Send</h2>
        <form id="send-form" (submit)="submit($event, text, via)">
          <input #text name="text" placeholder="message" autocomplete="off" required />
          <select #via name="via">
            <option value="amqp">AMQP to queue {{ config.queue }}</option>
            <option value="stomp">STOMP to topic {{ config.topic }}</option>
          </select>
          <button type="submit">Send</button>
        </form>
        <ol id="sent">
          @for (s of messaging.sent(); track s.key) {
            <li [attr.data-outcome]="s.outcome()"><span class="body">{{ s.text }}</span> via {{ s.via }}: <b class="outcome">{{ s.outcome() }}</b></li>
          }
        </ol>
      </section>
    </main>`,
})
export class AppComponent {
  protected readonly messaging = inject(Messaging);
  protected readonly config = inject(APP_CONFIG);

  protected submit(event: Event, text: HTMLInputElement, via: HTMLSelectElement): void {
    event.preventDefault();
    if (text.value === '') return;
    this.messaging.send(text.value, via.value as Via);
    text.value = '';
  }
}

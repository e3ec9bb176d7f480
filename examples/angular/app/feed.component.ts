/** A live list of received messages (the newest last), with where each came from. */
import { Component, Input } from '@angular/core';

export interface FeedEntry {
  /** Unique within the feed (for @for's tracking). */
  readonly key: number;
  readonly text: string;
  /** Headers or properties worth showing, e.g. who sent it. */
  readonly detail: string;
}

@Component({
  selector: 'app-feed',
  template: `
    <h2>{{ title }}</h2>
    <ol class="feed">
      @for (m of entries; track m.key) {
        <li><span class="body">{{ m.text }}</span> <small>{{ m.detail }}</small></li>
      } @empty {
        <li class="empty">waiting for messages…</li>
      }
    </ol>`,
})
export class FeedComponent {
  // Decorated inputs: see ConnectionStateComponent.
  @Input({ required: true }) title!: string;
  @Input({ required: true }) entries!: readonly FeedEntry[];
}

/** One client's connection state, as text: what a status bar shows (connecting, open, reconnecting with its cause). */
import { Component, Input } from '@angular/core';
import type { ClientState } from 'rx-mq/angular';

/** The state in words; a reconnect says why, which attempt comes next and after how long. */
export function describeState(s: ClientState): string {
  switch (s.state) {
    case 'connecting': return `connecting to ${s.url} (attempt ${s.attempt})`;
    case 'open': return `open: ${s.url}`;
    case 'reconnecting': return `reconnecting in ${s.delayMs} ms (attempt ${s.attempt}): ${s.error.message}`;
    case 'closed': return s.error === undefined ? 'closed' : `closed: ${s.error.message}`;
  }
}

@Component({
  selector: 'app-connection-state',
  template: `<span class="state" [attr.data-state]="state.state">{{ label }}: {{ text }}</span>`,
})
export class ConnectionStateComponent {
  // Decorated inputs, not signal inputs: in the browser's JIT compiler only the AOT compiler (or
  // the Angular CLI's JIT transform) can see `input()` calls (docs/ANGULAR.md).
  @Input({ required: true }) label!: string;
  @Input({ required: true }) state!: ClientState;
  protected get text(): string { return describeState(this.state); }
}

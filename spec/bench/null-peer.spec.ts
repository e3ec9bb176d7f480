/**
 * The benchmarks' null peer (bench/io/null-peer.ts): a sink that accepts everything and a source
 * that fills any credit (used by the "each library with itself" scenarios).
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { connect } from '../../src/amqp/index.js';
import { startNullPeer, type NullPeer } from '../../bench/io/null-peer.js';

describe('bench: null peer', () => {
  let peer: NullPeer;
  let url: string;
  before(async () => {
    peer = await startNullPeer();
    url = `amqp://127.0.0.1:${peer.port}`;
  });
  after(async () => { await peer.close(); });

  it('accepts and discards every message sent to it', async () => {
    const outcomes = await firstValueFrom(connect({ url, sasl: false }).pipe(
      switchMap((c) => from(Array.from({ length: 12_000 }, (_, i) => ({ body: `m${i}` }))).pipe(
        c.send('$null', { bufferSize: 12_000 }), toArray()))));
    expect(outcomes).to.have.length(12_000);
    expect(outcomes.every((o) => o.state === 'accepted')).to.equal(true);
  });

  it('sends `hello world!` messages within the credit granted', async () => {
    const got = await lastValueFrom(connect({ url, sasl: false }).pipe(
      switchMap((c) => c.receive('$null', { credit: 50 })), take(2_000), toArray()));
    expect(got).to.have.length(2_000);
    expect(got.every((m) => m.body === 'hello world!')).to.equal(true);
  });

  it('answers a fetch (exact credit) and its drain', async () => {
    const got = await firstValueFrom(connect({ url, sasl: false }).pipe(
      switchMap((c) => c.fetch('$null', { count: 7, timeout: 1000 }).pipe(toArray()))));
    expect(got).to.have.length(7);
  });

  it('is also reached with SASL (any login)', async () => {
    const got = await firstValueFrom(connect({ url: `amqp://u:p@127.0.0.1:${peer.port}` }).pipe(
      switchMap((c) => c.fetch('$null', { count: 3, timeout: 1000 }).pipe(toArray()))));
    expect(got).to.have.length(3);
  });
});

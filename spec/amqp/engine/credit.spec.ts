import { expect } from 'chai';
import { ReceiverCredit, SenderCredit } from '../../../src/amqp/engine/credit.js';
import { SessionWindow } from '../../../src/amqp/engine/session-window.js';
import { add, diff, lt } from '../../../src/amqp/engine/serial.js';

describe('amqp/engine flow-control arithmetic', () => {
  it('compares sequence numbers across the 2^32 wrap (RFC 1982)', () => {
    expect(add(0xffffffff, 1)).to.equal(0);
    expect(diff(2, 0xfffffffe)).to.equal(4);
    expect(lt(0xfffffffe, 2)).to.equal(true);
    expect(lt(2, 0xfffffffe)).to.equal(false);
  });

  it('sender credit is relative to the delivery-count the receiver had seen', () => {
    const s = new SenderCredit(10);
    s.onReceiverFlow(10, 5, false);
    expect(s.credit).to.equal(5);
    expect(s.onSend()).to.equal(true);
    expect(s.onSend()).to.equal(true);
    // The receiver's next flow was computed before it saw our two sends: 10 + 5 - 12 = 3 left.
    s.onReceiverFlow(10, 5, false);
    expect(s.credit).to.equal(3);
    // A flow from a receiver that saw only 11 of our deliveries granting 2 leaves 1.
    s.onReceiverFlow(11, 2, false);
    expect(s.credit).to.equal(1);
    // A stale flow can never make credit negative.
    s.onReceiverFlow(5, 1, false);
    expect(s.credit).to.equal(0);
    expect(s.onSend()).to.equal(false);
    expect(s.deliveryCount).to.equal(12);
  });

  it('sender credit works across the delivery-count wrap', () => {
    const s = new SenderCredit(0xfffffffe);
    s.onReceiverFlow(undefined, 4, false);
    expect(s.credit).to.equal(4);
    s.onSend(); s.onSend(); s.onSend();
    expect(s.deliveryCount).to.equal(1);
    s.onReceiverFlow(0xfffffffe, 4, false);
    expect(s.credit).to.equal(1);
  });

  it('link-credit is a uint: a receiver granting 0xffffffff gets that much, not -1', () => {
    const s = new SenderCredit(7);
    s.onReceiverFlow(7, 0xffffffff, false);
    expect(s.credit).to.equal(0xffffffff);
    s.onSend();
    s.onReceiverFlow(7, 0xffffffff, false); // the flow had not seen our send yet
    expect(s.credit).to.equal(0xfffffffe);
    s.onReceiverFlow(0xfffffff0, 0x20, false); // far behind across the wrap: 0x20 - 0x18
    expect(s.credit).to.equal(8);
  });

  it('a drained sender advances delivery-count by the unused credit', () => {
    const s = new SenderCredit(0);
    s.onReceiverFlow(0, 10, true);
    s.onSend();
    s.drained();
    expect(s.deliveryCount).to.equal(10);
    expect(s.credit).to.equal(0);
    expect(s.drain).to.equal(false);
  });

  it('a receiver that does not adopt the sender count lets credit fall only by what arrives (or a drain)', () => {
    const trusting = new ReceiverCredit(0);
    trusting.grant(10);
    trusting.onSenderFlow(7, 3, undefined); // the sender says 7 are gone
    expect(trusting.credit).to.equal(3);

    const r = new ReceiverCredit(0);
    r.adoptsSenderCount = false; // a count running ahead of its transfers (RabbitMQ 3.10)
    r.grant(10);
    r.onSenderFlow(7, 3, undefined);
    expect([r.credit, r.deliveryCount]).to.deep.equal([10, 0]);
    for (let i = 0; i < 7; i++) r.onDelivery(); // the 7 arrive after all
    expect([r.credit, r.deliveryCount, r.overCredit]).to.deep.equal([3, 7, 0]);
    r.grant(5, true); // a drain's advance is taken even so: it is how a sender gives credit back
    r.onSenderFlow(12, 0, undefined);
    expect([r.credit, r.deliveryCount]).to.deep.equal([0, 12]);
  });

  it('receiver counts deliveries and never loses an over-credit one', () => {
    const r = new ReceiverCredit(0);
    r.grant(2);
    expect(r.onDelivery()).to.equal(true);
    expect(r.onDelivery()).to.equal(true);
    expect(r.onDelivery()).to.equal(false);
    expect(r.credit).to.equal(0);
    expect(r.overCredit).to.equal(1);
    expect(r.deliveryCount).to.equal(3);
  });

  it('receiver takes the sender flow as authoritative after a drain', () => {
    const r = new ReceiverCredit(5);
    r.grant(10, true);
    r.onDelivery();
    r.onSenderFlow(15, 0, 0);
    expect(r.credit).to.equal(0);
    expect(r.deliveryCount).to.equal(15);
    expect(r.drain).to.equal(false);
  });

  it("receiver keeps its own grant: a sender's reported link-credit neither raises nor lowers it", () => {
    const r = new ReceiverCredit(0);
    r.grant(100);
    for (let i = 0; i < 60; i++) r.onDelivery();
    // A peer reporting more credit than it was given (RabbitMQ 3.10 once said 227 of 100)...
    r.onSenderFlow(60, 227, 5);
    expect(r.credit).to.equal(40);
    expect(r.available).to.equal(5);
    // ...or less: only an advanced delivery-count uses credit up.
    r.onSenderFlow(60, 3, 5);
    expect(r.credit).to.equal(40);
    r.onSenderFlow(70, 30, 5);
    expect(r.credit).to.equal(30);
    expect(r.deliveryCount).to.equal(70);
  });

  it('session window counts transfers both ways and detects a window violation', () => {
    const w = new SessionWindow(4, 100);
    w.onRemoteBegin(7, 2, 1000);
    expect(w.canSend()).to.equal(true);
    expect(w.onSend()).to.equal(100);
    expect(w.onSend()).to.equal(101);
    expect(w.canSend()).to.equal(false);
    // The peer saw 101 and opens 3 more from there: 101 + 3 - 102 = 2.
    w.onRemoteFlow(101, 3, 7, 1000, 100);
    expect(w.remoteIncomingWindow).to.equal(2);
    for (let i = 0; i < 4; i++) expect(w.onReceive()).to.equal(true);
    expect(w.needsWindowUpdate()).to.equal(true);
    expect(w.onReceive()).to.equal(false);
    expect(w.nextIncomingId).to.equal(12);
    w.restoreIncomingWindow();
    expect(w.incomingWindow).to.equal(4);
  });
});

/**
 * The generated table must say what the specification says about the types the engine depends on
 * most. (That it equals what the generator makes of the specification XML, which Debian's
 * amqp-specs package provides, is checked in the interop tier.)
 */
import { expect } from 'chai';
import {
  COMPOSITES, ENUMS, ERROR_CONDITIONS, SECTIONS, SPEC_CONSTANTS, type CompositeName,
} from '../../../src/amqp/frames/index.js';

describe('frames: generated definitions', () => {
  it('covers every composite of the specification with its descriptor', () => {
    const expected: Record<string, number> = {
      open: 0x10, begin: 0x11, attach: 0x12, flow: 0x13, transfer: 0x14, disposition: 0x15, detach: 0x16,
      end: 0x17, close: 0x18, error: 0x1d, received: 0x23, accepted: 0x24, rejected: 0x25, released: 0x26,
      modified: 0x27, source: 0x28, target: 0x29, 'delete-on-close': 0x2b, 'delete-on-no-links': 0x2c,
      'delete-on-no-messages': 0x2d, 'delete-on-no-links-or-messages': 0x2e, coordinator: 0x30, declare: 0x31,
      discharge: 0x32, declared: 0x33, 'transactional-state': 0x34, 'sasl-mechanisms': 0x40, 'sasl-init': 0x41,
      'sasl-challenge': 0x42, 'sasl-response': 0x43, 'sasl-outcome': 0x44, header: 0x70, properties: 0x73,
    };
    const actual = Object.fromEntries(Object.values(COMPOSITES).map((c) => [c.name, c.code]));
    expect(actual).to.deep.equal(expected);
    for (const c of Object.values(COMPOSITES)) expect(c.symbol).to.equal(`amqp:${c.name}:list`);
  });

  it('lists fields in wire order with resolved types', () => {
    const attach = COMPOSITES.attach.fields;
    expect(attach.map((f) => f.specName)).to.deep.equal([
      'name', 'handle', 'role', 'snd-settle-mode', 'rcv-settle-mode', 'source', 'target', 'unsettled',
      'incomplete-unsettled', 'initial-delivery-count', 'max-message-size', 'offered-capabilities',
      'desired-capabilities', 'properties',
    ]);
    const byName = (kind: CompositeName, name: string) => COMPOSITES[kind].fields.find((f) => f.name === name);
    expect(byName('attach', 'handle')).to.include({ type: 'uint', specType: 'handle', mandatory: true });
    expect(byName('attach', 'role')).to.include({ type: 'boolean', enumType: 'role', mandatory: true });
    expect(byName('attach', 'sndSettleMode')).to.include({ type: 'ubyte', default: 'mixed' });
    expect(byName('attach', 'source')).to.include({ type: '*', requires: 'source' });
    expect(byName('open', 'idleTimeOut')).to.include({ type: 'uint', specType: 'milliseconds' });
    expect(byName('open', 'maxFrameSize')).to.include({ type: 'uint', default: 4294967295 });
    expect(byName('open', 'properties')).to.include({ type: 'map', specType: 'fields' });
    expect(byName('transfer', 'deliveryTag')).to.include({ type: 'binary', specType: 'delivery-tag' });
    expect(byName('transfer', 'deliveryId')).to.include({ type: 'uint', specType: 'delivery-number' });
    expect(byName('detach', 'error')).to.include({ type: 'composite', composite: 'error' });
    expect(byName('sasl-mechanisms', 'saslServerMechanisms')).to.include({ type: 'symbol', multiple: true, mandatory: true });
    expect(byName('source', 'expiryPolicy')).to.include({ type: 'symbol', default: 'session-end' });
    expect(byName('source', 'filter')).to.include({ type: 'map', specType: 'filter-set' });
    expect(byName('properties', 'absoluteExpiryTime')).to.include({ type: 'timestamp' });
    expect(COMPOSITES.accepted.provides).to.deep.equal(['delivery-state', 'outcome']);
    expect(COMPOSITES.declared.provides).to.deep.equal(['delivery-state', 'outcome']);
  });

  it('has the restricted-type choices and error conditions', () => {
    expect(ENUMS.role.choices).to.deep.equal([{ name: 'sender', value: false }, { name: 'receiver', value: true }]);
    expect(ENUMS['sender-settle-mode'].choices.map((c) => c.value)).to.deep.equal([0, 1, 2]);
    expect(ENUMS['sasl-code'].choices.map((c) => c.name)).to.deep.equal(['ok', 'auth', 'sys', 'sys-perm', 'sys-temp']);
    expect(ENUMS['terminus-expiry-policy'].choices.map((c) => c.value)).to.include('never');
    expect(ENUMS['std-dist-mode'].choices.map((c) => c.value)).to.deep.equal(['move', 'copy']);
    expect(ERROR_CONDITIONS.amqpError.notFound).to.equal('amqp:not-found');
    expect(ERROR_CONDITIONS.connectionError.framingError).to.equal('amqp:connection:framing-error');
    expect(ERROR_CONDITIONS.sessionError.windowViolation).to.equal('amqp:session:window-violation');
    expect(ERROR_CONDITIONS.linkError.stolen).to.equal('amqp:link:stolen');
    expect(ERROR_CONDITIONS.transactionError.transactionRollback).to.equal('amqp:transaction:rollback');
    expect(SPEC_CONSTANTS['MIN-MAX-FRAME-SIZE']).to.equal(512);
  });

  it('has the message sections in order', () => {
    expect(SECTIONS.map((s) => [s.name, s.code])).to.deep.equal([
      ['header', 0x70], ['delivery-annotations', 0x71], ['message-annotations', 0x72], ['properties', 0x73],
      ['application-properties', 0x74], ['data', 0x75], ['amqp-sequence', 0x76], ['amqp-value', 0x77], ['footer', 0x78],
    ]);
  });
});

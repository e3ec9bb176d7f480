import { expect } from 'chai';
import { AuthenticationError, SaslError, chooseMechanism, initialResponse, outcomeError } from '../../../src/amqp/engine/sasl.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('amqp/engine SASL client logic', () => {
  it('chooses PLAIN with a username, ANONYMOUS without, EXTERNAL when asked', () => {
    const offered = ['ANONYMOUS', 'PLAIN', 'EXTERNAL'];
    expect(chooseMechanism(offered, { username: 'u', password: 'p' })).to.equal('PLAIN');
    expect(chooseMechanism(offered, {})).to.equal('ANONYMOUS');
    expect(chooseMechanism(offered, { external: true })).to.equal('EXTERNAL');
    expect(chooseMechanism(['PLAIN', 'AMQPLAIN'], { username: 'guest' })).to.equal('PLAIN');
  });

  it('fails clearly when nothing fits, without leaking the password', () => {
    const err = (() => { try { chooseMechanism(['CRAM-MD5'], { username: 'u', password: 'secret' }); } catch (e) { return e; } })();
    expect(err).to.be.instanceOf(SaslError);
    expect((err as Error).message).to.match(/offers CRAM-MD5/).and.not.match(/secret/);
    expect(() => chooseMechanism(['PLAIN'], { mechanism: 'EXTERNAL' })).to.throw(SaslError, /does not offer SASL EXTERNAL/);
  });

  it('builds RFC 4616 PLAIN responses with and without authzid', () => {
    expect(text(initialResponse('PLAIN', { username: 'guest', password: 'pw' }))).to.equal('\0guest\0pw');
    expect(text(initialResponse('PLAIN', { username: 'guest', password: 'pw', authzid: 'admin' }))).to.equal('admin\0guest\0pw');
    expect(initialResponse('EXTERNAL', {})).to.have.length(0);
    expect(text(initialResponse('EXTERNAL', { authzid: 'admin' }))).to.equal('admin'); // RFC 4422 appendix A
  });

  it('maps outcome codes to typed errors; auth is distinguishable', () => {
    expect(outcomeError(0)).to.equal(undefined);
    expect(outcomeError(1)).to.be.instanceOf(AuthenticationError);
    const sysTemp = outcomeError(4) as SaslError;
    expect(sysTemp).to.be.instanceOf(SaslError).and.not.instanceOf(AuthenticationError);
    expect(sysTemp.temporary).to.equal(true);
    expect(sysTemp.code).to.equal(4);
  });
});

/**
 * The generated definitions table (src/amqp/frames/definitions.generated.ts) must equal what the
 * generator makes of the AMQP 1.0 specification XML today. The XML comes from Debian's amqp-specs
 * package, which scripts/brokers.sh installs: without it this check cannot be made, and that is a
 * failure of the setup, not a pass.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateDefinitions, OUTPUT_FILE, readSpecFiles, SPEC_DIR, SPEC_FILES,
} from '../../../../scripts/gen-amqp-definitions.js';
import { START_COMMAND } from '../../../support/peers.js';

describe('frames: generated definitions against the specification XML', () => {
  it('is exactly what the generator makes of the specification XML (no drift)', () => {
    const missing = SPEC_FILES.filter((f) => !existsSync(join(SPEC_DIR, `${f}.bare.xml`)));
    expect(missing, `specification XML missing from ${SPEC_DIR} (Debian package amqp-specs; install it with ${START_COMMAND})`).to.deep.equal([]);
    const committed = readFileSync(OUTPUT_FILE, 'utf8');
    const fresh = generateDefinitions(readSpecFiles());
    expect(fresh === committed, 'definitions.generated.ts differs from the generator output; run npx tsx scripts/gen-amqp-definitions.ts').to.equal(true);
  });
});

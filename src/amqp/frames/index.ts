/** The AMQP 1.0 frame layer: definition table, composite codec, frames, parser, sections, trace. */
export * from './definitions.generated.js';
export type {
  CompositeDefinition, EnumChoice, EnumDefinition, FieldDefault, FieldDefinition, FieldWireType,
  SectionDefinition,
} from './schema.js';
export {
  compositeDefinition, compositeFromValue, compositeToValue, decodeComposite, definitionForDescriptor,
  encodeComposite, readComposite, withDefaults, writeComposite,
} from './composite.js';
export {
  decodeFrame, encodeFrame, FRAME_HEADER_SIZE, FRAME_TYPE, readFrameHeader, writeFrame, writeHeartbeat,
} from './frame.js';
export { AmqpFrame } from './frame.js';
export type { Frame, FrameHeader, HeartbeatFrame, SaslFrame } from './frame.js';
export {
  checkProtocolHeaderPrefix, describePeerProtocol, parseProtocolHeader, PROTOCOL_HEADER_SIZE,
  protocolHeaderBytes, writeProtocolHeader,
} from './protocol-header.js';
export type { ProtocolHeader, ProtocolId } from './protocol-header.js';
export { FrameParser } from './parser.js';
export type { FrameParserOptions, ParserEvent } from './parser.js';
export { DecodedSections, decodeSections, encodeSections, writeSections } from './sections.js';
export type { BodyKind, MessageBody, MessageSections, RawSection } from './sections.js';
export { formatComposite, formatFrame, formatValue } from './trace.js';
export type { TraceDirection } from './trace.js';
export { FrameSizeError, FramingError, ProtocolHeaderError } from './errors.js';

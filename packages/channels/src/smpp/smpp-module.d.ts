/**
 * The part of the `smpp` package (0.5.1, untyped) that the SMPP adapter and the test peer use.
 * PDU fields are `unknown`: what an SMSC sends is parsed at the edge, never trusted.
 */
declare module 'smpp' {
  import type { Server as NetServer, Socket } from 'node:net';

  /** Mandatory and optional parameters of a PDU to send, by their SMPP names. */
  export type PduFields = Readonly<Record<string, unknown>>;

  /** A decoded PDU: its header plus the parameters its command carries. */
  export interface Pdu {
    readonly command: string;
    readonly command_id: number;
    readonly command_status: number;
    readonly sequence_number: number;
    readonly [field: string]: unknown;
    isResponse(): boolean;
    /** The `<command>_resp` (or `generic_nack`) answering this PDU, with its sequence number. */
    response(fields?: PduFields): Pdu;
  }

  export type PduCallback = (pdu: Pdu) => void;

  /**
   * One SMPP connection. Each command is a method that sends it; the callback receives the
   * response with the same sequence number. A method returns false when the socket is not
   * writable (the callback is then never called).
   */
  export interface Session {
    readonly socket: Socket;
    send(pdu: Pdu, onResponse?: PduCallback, onWritten?: PduCallback): boolean;
    bind_transceiver(fields: PduFields, onResponse?: PduCallback): boolean;
    submit_sm(fields: PduFields, onResponse?: PduCallback): boolean;
    deliver_sm(fields: PduFields, onResponse?: PduCallback): boolean;
    enquire_link(fields: PduFields, onResponse?: PduCallback): boolean;
    unbind(fields: PduFields, onResponse?: PduCallback): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'pdu', listener: PduCallback): this;
    once(event: 'connect' | 'close', listener: () => void): this;
    removeAllListeners(): this;
  }

  export interface Server extends NetServer {
    readonly sessions: readonly Session[];
  }

  export interface ConnectOptions {
    readonly host: string;
    readonly port: number;
  }

  /** How an optional parameter's value is read and written. */
  export interface TlvType {
    readonly default: unknown;
  }

  export interface TlvDefinition {
    readonly id: number;
    readonly type: TlvType;
  }

  interface SmppModule {
    connect(options: ConnectOptions): Session;
    createServer(options: Readonly<Record<string, never>>, onSession: (session: Session) => void): Server;
    /** Registers an optional parameter (in the package's global tables) under a field name. */
    addTLV(name: string, definition: TlvDefinition): void;
    readonly types: { readonly tlv: { readonly buffer: TlvType } };
    /** Command status names (`ESME_RTHROTTLED`) and their codes. */
    readonly errors: Readonly<Record<string, number>>;
  }

  const smpp: SmppModule;
  export default smpp;
}

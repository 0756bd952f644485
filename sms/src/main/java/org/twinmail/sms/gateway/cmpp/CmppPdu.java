package org.twinmail.sms.gateway.cmpp;

import java.util.List;

/**
 * The CMPP PDUs (China Mobile Peer to Peer 2.0 and 3.0) the gateway and its test ISMG exchange,
 * as values: what {@link CmppCodec} writes and reads. Numbers are the fields' unsigned values;
 * octet strings are ASCII without their NUL padding; message contents are raw octets.
 */
public sealed interface CmppPdu {
    int CONNECT = 0x00000001;
    int CONNECT_RESP = 0x80000001;
    int TERMINATE = 0x00000002;
    int TERMINATE_RESP = 0x80000002;
    int SUBMIT = 0x00000004;
    int SUBMIT_RESP = 0x80000004;
    int DELIVER = 0x00000005;
    int DELIVER_RESP = 0x80000005;
    int ACTIVE_TEST = 0x00000008;
    int ACTIVE_TEST_RESP = 0x80000008;

    /** Msg_Fmt: ASCII, binary, UCS-2, GB (GBK/GB18030). */
    int FMT_ASCII = 0;
    int FMT_BINARY = 4;
    int FMT_UCS2 = 8;
    int FMT_GB = 15;

    /** SUBMIT_RESP Result 8: flow control (the ISMG's throughput or window for this SP was exceeded): not now. */
    long RESULT_FLOW_CONTROL = 8;

    /** The Command_Id of the header. */
    int commandId();

    /** CMPP_CONNECT: the SP's login (Source_Addr, the SP_Id), its MD5 authenticator, the version it speaks, the timestamp (MMDDHHMMSS). */
    record Connect(String sourceAddr, byte[] authenticatorSource, int version, long timestamp) implements CmppPdu {
        public int commandId() {
            return CONNECT;
        }
    }

    /** CMPP_CONNECT_RESP: Status 0 is success (1 structure, 2 source address, 3 authentication, 4 version too high). */
    record ConnectResp(long status, byte[] authenticatorIsmg, int version) implements CmppPdu {
        public int commandId() {
            return CONNECT_RESP;
        }
    }

    record Terminate() implements CmppPdu {
        public int commandId() {
            return TERMINATE;
        }
    }

    record TerminateResp() implements CmppPdu {
        public int commandId() {
            return TERMINATE_RESP;
        }
    }

    record ActiveTest() implements CmppPdu {
        public int commandId() {
            return ACTIVE_TEST;
        }
    }

    record ActiveTestResp() implements CmppPdu {
        public int commandId() {
            return ACTIVE_TEST_RESP;
        }
    }

    /**
     * CMPP_SUBMIT (an SP's message to terminals). {@code pkTotal}/{@code pkNumber} count the
     * parts of a long message, whose contents then begin with a UDH and have {@code tpUdhi} 1;
     * {@code srcId} is the number the phone shows and answers to (the SP's service number and
     * an extension); {@code feeTerminalType}, {@code destTerminalType} and {@code linkId} exist
     * in 3.0 only (ignored for 2.0).
     */
    record Submit(long msgId, int pkTotal, int pkNumber, int registeredDelivery, int msgLevel, String serviceId, int feeUserType,
                  String feeTerminalId, int feeTerminalType, int tpPid, int tpUdhi, int msgFmt, String msgSrc, String feeType, String feeCode,
                  String validTime, String atTime, String srcId, List<String> destTerminalIds, int destTerminalType, byte[] content,
                  String linkId) implements CmppPdu {
        public Submit {
            destTerminalIds = List.copyOf(destTerminalIds);
        }

        public int commandId() {
            return SUBMIT;
        }
    }

    /** CMPP_SUBMIT_RESP: the ISMG's Msg_Id for the message and its Result (0 taken). */
    record SubmitResp(long msgId, long result) implements CmppPdu {
        public int commandId() {
            return SUBMIT_RESP;
        }
    }

    /**
     * CMPP_DELIVER (the ISMG's message to the SP): a mobile-originated message when
     * {@code registeredDelivery} is 0 (from {@code srcTerminalId} to {@code destId}, the service
     * number and the extension the phone answered to), a status report when it is 1 (the
     * content is then a {@link Report}).
     */
    record Deliver(long msgId, String destId, String serviceId, int tpPid, int tpUdhi, int msgFmt, String srcTerminalId, int srcTerminalType,
                   int registeredDelivery, byte[] content, String linkId) implements CmppPdu {
        public int commandId() {
            return DELIVER;
        }

        public boolean isReport() {
            return registeredDelivery == 1;
        }
    }

    /** CMPP_DELIVER_RESP: the Msg_Id of the DELIVER it answers and its Result (0 taken). */
    record DeliverResp(long msgId, long result) implements CmppPdu {
        public int commandId() {
            return DELIVER_RESP;
        }
    }

    /**
     * A status report, the content of a DELIVER with Registered_Delivery 1: the Msg_Id the
     * SUBMIT_RESP gave, Stat (DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, or
     * a carrier's own code for a failure), the times as YYMMDDHHMM, the terminal, and the
     * SMSC's sequence.
     */
    record Report(long msgId, String stat, String submitTime, String doneTime, String destTerminalId, long smscSequence) { }
}

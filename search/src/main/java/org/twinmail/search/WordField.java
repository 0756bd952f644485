package org.twinmail.search;

/**
 * The parts of a message word search looks in (JMAP Email/query's text filters, RFC 8621
 * 4.4.1): the subject, the addresses of each field (display names and addresses), the readable
 * text of the body (HTML as text), and attachments' file names.
 */
public enum WordField {
    SUBJECT("w.subject"), FROM("w.from"), TO("w.to"), CC("w.cc"), BCC("w.bcc"), BODY("w.body"), ATTACHMENT_NAME("w.attachment");

    final String field;

    WordField(String field) {
        this.field = field;
    }
}

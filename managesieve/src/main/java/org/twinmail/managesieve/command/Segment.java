package org.twinmail.managesieve.command;

/** A piece of one command as the session read it: a line's text (without CRLF), or the octets of a literal. */
public sealed interface Segment {
    record Text(String text) implements Segment { }

    record Literal(byte[] octets) implements Segment { }
}

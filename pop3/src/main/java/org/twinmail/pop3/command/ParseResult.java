package org.twinmail.pop3.command;

/** What the parser makes of one command line: a typed command or a typed error. */
public sealed interface ParseResult permits Command, ParseError { }

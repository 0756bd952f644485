/**
 * The SMTP command grammar (RFC 5321 4.1, with RFC 1870 SIZE, RFC 6152 BODY and RFC 6531
 * SMTPUTF8): {@link org.twinmail.smtp.command.CommandParser} is the only place a command line is
 * interpreted. Pure functions over bytes, unit-tested on their own.
 */
package org.twinmail.smtp.command;

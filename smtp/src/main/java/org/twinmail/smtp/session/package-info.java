/**
 * One SMTP conversation per virtual thread: {@link org.twinmail.smtp.session.SmtpSession} reads
 * commands and replies, {@link org.twinmail.smtp.session.CommandTable} says which command is allowed
 * in which {@link org.twinmail.smtp.session.SessionState}, and the handlers do the work: MAIL in
 * {@code MailHandler}, RCPT in {@code RcptHandler}, DATA in {@code DataHandler}.
 */
package org.twinmail.smtp.session;

/**
 * Inbound SMTP (MX, RFC 5321) on the {@link org.twinmail.store.MailStore}: {@link org.twinmail.smtp.SmtpServer}
 * is the entry point.
 *
 * <ul>
 *   <li>{@code command}: a command line becomes a typed {@code SmtpCommand}, or a typed syntax error
 *       with its reply code. No I/O, no store.</li>
 *   <li>{@code session}: the conversation ({@code SmtpSession}), the command table (which verb is
 *       allowed when, which is junk), and one handler per non-trivial command: {@code MailHandler},
 *       {@code RcptHandler} (recipients, relaying, quotas), {@code DataHandler} (delivery).</li>
 *   <li>{@code data}: reading message content (end of data, dot-unstuffing, limits) and the trace
 *       headers we prepend.</li>
 * </ul>
 */
package org.twinmail.smtp;

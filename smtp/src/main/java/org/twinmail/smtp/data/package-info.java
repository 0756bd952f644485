/**
 * Message content: {@link org.twinmail.smtp.data.DataReader} (end of data only on CRLF.CRLF,
 * dot-unstuffing, CRLF normalisation, size, line, NUL and hop limits) and
 * {@link org.twinmail.smtp.data.TraceHeaders} (Return-Path and Received).
 */
package org.twinmail.smtp.data;

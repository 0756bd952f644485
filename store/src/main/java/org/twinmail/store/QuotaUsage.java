package org.twinmail.store;

/**
 * One account's usage against its limits and its domain's, as one transaction saw them
 * (IMAP QUOTA, RFC 9208). A limit of 0 means none.
 */
public record QuotaUsage(long usedBytes, long quotaBytes, long messageCount, long maxMessages,
                         long domainUsedBytes, long domainQuotaBytes, long domainMessageCount, long domainMaxMessages) { }

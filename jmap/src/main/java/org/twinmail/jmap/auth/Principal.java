package org.twinmail.jmap.auth;

/** The authenticated user of a JMAP request: one account, as every protocol knows it. */
public record Principal(long accountId, String username) { }

package org.twinmail.search;

/** A message found by word search. */
public record Hit(long mailboxId, long uid) { }

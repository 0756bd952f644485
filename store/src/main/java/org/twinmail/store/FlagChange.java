package org.twinmail.store;

/** How {@link MailStore#storeFlags} combines the given flags with those a message has (IMAP STORE +FLAGS, -FLAGS, FLAGS). */
public enum FlagChange { ADD, REMOVE, REPLACE }

package org.twinmail.protocol.net;

/**
 * Runs one session on its own virtual thread; the listener closes the connection afterwards,
 * unless the handler {@linkplain Connection#hibernate hibernated} it: then the listener runs
 * the handler it named on a fresh virtual thread, and so on until one returns without.
 */
@FunctionalInterface
public interface ConnectionHandler {
    void handle(Connection connection) throws Exception;
}

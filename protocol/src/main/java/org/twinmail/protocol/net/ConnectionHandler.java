package org.twinmail.protocol.net;

/** Runs one session on its own virtual thread; the listener closes the connection afterwards. */
@FunctionalInterface
public interface ConnectionHandler {
    void handle(Connection connection) throws Exception;
}

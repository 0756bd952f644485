package org.twinmail.managesieve.command;

/** A ManageSieve command (RFC 5804 2), parsed and typed. */
public sealed interface Command {
    /** @param initial the initial response (base64), or null */
    record Authenticate(String mechanism, String initial) implements Command { }

    record StartTls() implements Command { }

    record Logout() implements Command { }

    record Capability() implements Command { }

    /** @param tag echoed in the response code TAG, or null */
    record Noop(String tag) implements Command { }

    record Unauthenticate() implements Command { }

    record HaveSpace(String name, long size) implements Command { }

    record PutScript(String name, String content) implements Command { }

    record ListScripts() implements Command { }

    record SetActive(String name) implements Command { }

    record GetScript(String name) implements Command { }

    record DeleteScript(String name) implements Command { }

    record RenameScript(String from, String to) implements Command { }

    record CheckScript(String content) implements Command { }
}

package org.twinmail.server.cli;

import org.twinmail.admin.AdminException;

/** Exit codes of the CLI, so scripts can tell failures apart (sysexits.h where one fits). */
public final class ExitCodes {
    public static final int OK = 0;
    /** Bad arguments (picocli's own usage errors use 2 as well). */
    public static final int USAGE = 2;
    public static final int NOT_FOUND = 3;
    public static final int CONFLICT = 4;
    /** The server or the store cannot be reached or is locked. */
    public static final int UNAVAILABLE = 69;
    public static final int SOFTWARE = 70;
    /** The administrator may not do this (sysexits' EX_NOPERM). */
    public static final int FORBIDDEN = 77;

    private ExitCodes() {}

    static int of(AdminException.Kind kind) {
        return switch (kind) {
            case INVALID -> USAGE;
            case NOT_FOUND -> NOT_FOUND;
            case CONFLICT -> CONFLICT;
            case UNAVAILABLE -> UNAVAILABLE;
            case FORBIDDEN -> FORBIDDEN;
        };
    }
}

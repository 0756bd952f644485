package org.twinmail.server;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import org.twinmail.admin.AdminOperations;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.HttpService;
import org.twinmail.store.Records;
import org.twinmail.store.StoreException;
import org.twinmail.web.console.Console;
import org.twinmail.web.session.BrowserSessions;
import org.twinmail.web.session.SessionSettings;

/**
 * Puts the admin console (module web, docs/console.md) on the node's HTTP server: the pages
 * under {@code /console/}, and its sessions as a second way into the admin API. The sessions
 * live in the active node's store (a standby's console answers 503 until it serves, like its
 * admin API), so a login survives a restart and a switchover.
 */
final class ConsoleHttp {
    private ConsoleHttp() { }

    static void mount(HttpService http, TwinmailConfig config, AdminOperations admin, Supplier<Records> activeRecords) throws IOException {
        BrowserSessions sessions = new BrowserSessions(records(activeRecords), Console.SESSION_KIND, Console.COOKIE,
                SessionSettings.from(config.web), Clock.systemUTC());
        Console console = new Console(admin, sessions, Clock.systemUTC());
        http.adminAuthenticator(console.authenticator());
        http.mount(Console.PREFIX, "console", ex -> {
            try {
                console.handle(ex);
            } catch (StoreException.Unavailable e) {
                ex.send(503, "application/json", ("{\"error\":\"this node is not serving\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        });
    }

    /** The Records of whichever store is active at the time of each call. */
    private static Records records(Supplier<Records> active) {
        return (Records) Proxy.newProxyInstance(Records.class.getClassLoader(), new Class<?>[] {Records.class}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) return method.invoke(Map.of(), args);
            Records r = active.get();
            if (r == null) throw new org.twinmail.admin.AdminException(org.twinmail.admin.AdminException.Kind.UNAVAILABLE, "this node is not serving");
            try {
                return method.invoke(r, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}

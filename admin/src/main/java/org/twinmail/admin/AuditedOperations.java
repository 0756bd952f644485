package org.twinmail.admin;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Set;

/**
 * The CLI's operations on a stopped node's store, each change written to the audit log as the
 * admin API writes its requests: actor {@code cli} (with the operating-system user), via
 * {@code cli}, client {@code local}, action {@code cli <operation>}, target its first argument.
 */
public final class AuditedOperations {
    /** Operations that only read (not recorded), and the ones that are the audit log's own. */
    private static final Set<String> READS = Set.of("listDomains", "postmaster", "sharing", "domainDns", "listUsers", "listAliases", "listQueue", "listRules", "listBans", "listOutboundHolds",
            "listQuarantine", "showQuarantined", "showDkimKey", "listAdmins", "audit", "traffic", "alerts", "recordAudit", "verifyAdmin", "currentAdmin");

    private AuditedOperations() { }

    public static AdminOperations wrap(AdminOperations ops, String actor) {
        return (AdminOperations) Proxy.newProxyInstance(AdminOperations.class.getClassLoader(), new Class<?>[] {AdminOperations.class},
                (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) return method.invoke(ops, args);
                    if (READS.contains(method.getName())) return invoke(method, ops, args);
                    int status = 200;
                    String outcome = "ok";
                    try {
                        return invoke(method, ops, args);
                    } catch (AdminException e) {
                        status = switch (e.kind()) {
                            case INVALID -> 400;
                            case NOT_FOUND -> 404;
                            case CONFLICT -> 409;
                            case FORBIDDEN -> 403;
                            case UNAVAILABLE -> 503;
                        };
                        outcome = e.getMessage();
                        throw e;
                    } finally {
                        String target = args != null && args.length > 0 && args[0] != null && !(args[0] instanceof char[]) ? String.valueOf(args[0]) : null;
                        try {
                            ops.recordAudit(new AdminOperations.AuditEntry(null, actor, "cli", "local", "cli " + method.getName(), target,
                                    null, status, outcome));
                        } catch (AdminException ignored) {
                            // a store without the Records role keeps no audit log
                        }
                    }
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

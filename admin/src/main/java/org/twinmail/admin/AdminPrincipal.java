package org.twinmail.admin;

import java.util.Locale;
import java.util.Set;

/**
 * Who makes an admin request: a global administrator (everything), or a domain administrator
 * who manages only {@code domains} (their accounts, aliases, DKIM key and sender rules). The
 * REST API's bearer token acts as the global administrator {@value #TOKEN}.
 *
 * @param name    the administrator's login name ({@value #TOKEN} for the bearer token, {@code cli} for the CLI on a stopped node)
 * @param global  whether they manage everything
 * @param domains the domains a domain administrator manages (empty for a global one)
 * @param via     how they came: {@code token}, {@code console} or {@code cli}
 */
public record AdminPrincipal(String name, boolean global, Set<String> domains, String via) {
    public static final String TOKEN = "api-token";

    public AdminPrincipal {
        domains = Set.copyOf(domains);
    }

    /** The bearer token's principal: a global administrator. */
    public static final AdminPrincipal API_TOKEN = new AdminPrincipal(TOKEN, true, Set.of(), "token");

    /** Whether they manage {@code domain} (any case); false for null. */
    public boolean manages(String domain) {
        if (global) return true;
        return domain != null && domains.contains(domain.strip().toLowerCase(Locale.ROOT));
    }

    /** Whether they manage the domain of {@code address} ({@code user@domain} or {@code @domain}). */
    public boolean managesAddress(String address) {
        if (global) return true;
        if (address == null) return false;
        int at = address.lastIndexOf('@');
        return at >= 0 && manages(address.substring(at + 1));
    }

    public String role() {
        return global ? "global" : "domain";
    }
}

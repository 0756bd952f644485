package org.twinmail.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node's health as {@code GET /health} reports it: {@code up} decides the status
 * (200 UP or 503 DOWN), {@code checks} names each check and its result ("ok" or
 * what failed), in the order the node ran them, so a load balancer gets a yes/no and
 * an operator gets the reason.
 */
public record Health(boolean up, Map<String, String> checks) {
    public Health {
        // Insertion order is kept: operators read the checks in the order they ran.
        checks = checks == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(checks));
    }
}

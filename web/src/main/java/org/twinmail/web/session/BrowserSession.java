package org.twinmail.web.session;

/**
 * One logged-in browser: who ({@code subject}, opaque to the sessions: the webmail writes an
 * account, the console an administrator), what the application keeps with it ({@code data},
 * opaque too), the CSRF token its pages send back on every state-changing request, and its
 * times (epoch milliseconds). The session id itself is not here: only the browser has it.
 */
public record BrowserSession(String idHash, String subject, String data, String csrfToken,
                             long createdMillis, long lastSeenMillis, long version) { }

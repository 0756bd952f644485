/**
 * The web pages served by the node's one HTTP server: the webmail (a client of the
 * {@code jmap} service) and the admin console (a client of the {@code admin} operations),
 * with the browser sessions both use (cookies, CSRF tokens; package {@code session}). Nothing
 * here talks to the store except the sessions, which live in its {@code Records}; see
 * docs/architecture.md.
 */
package org.twinmail.web;

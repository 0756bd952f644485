/**
 * Checks of the client at the connect, before the greeting: reverse DNS (FCrDNS) and the
 * early-talker test. The DNS block lists are in {@link org.twinmail.filter.dnsbl}.
 */
package org.twinmail.filter.connect;

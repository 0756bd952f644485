/**
 * The built-in checks: the policy that used to live in the SMTP session (relay refusal,
 * recipient existence, quotas, recipient limit, declared size, hop count, the submission
 * sender and sending rate), each an ordinary {@link org.twinmail.filter.Check}.
 */
package org.twinmail.filter.checks;

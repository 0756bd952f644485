/**
 * The SMTP policy pipeline: what the SMTP session asks at each {@link org.twinmail.filter.Stage}
 * of a conversation. A {@link org.twinmail.filter.Check} implements the stage interfaces it takes
 * part in and answers with a typed {@link org.twinmail.filter.Verdict}; a
 * {@link org.twinmail.filter.Chain} orders the checks of one kind of listener, and
 * {@link org.twinmail.filter.Chains} is the one place where the MX's and submission's chains are
 * written; the {@link org.twinmail.filter.Pipeline} runs a chain stage by stage and returns a
 * {@link org.twinmail.filter.Decision}; the {@link org.twinmail.filter.Disposition} gathers what
 * the verdicts ask of the delivery, per account. No sockets here: the session turns decisions
 * into replies. See docs/filter.md.
 */
package org.twinmail.filter;

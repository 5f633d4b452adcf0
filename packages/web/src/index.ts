/**
 * `@skillproof/web`: the web interface (learner wallet, issuer console, public verification and employer pages). It is
 * laid out with the workspace and built with its own issue; until then it exports nothing.
 */
export {};

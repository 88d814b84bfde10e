"""E-mail verification: the agency's mailbox (IMAP or the local one) and the verifier."""

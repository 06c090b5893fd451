"""The hypervisor model: plain Python state and rules, no I/O, no XDR, no trio."""

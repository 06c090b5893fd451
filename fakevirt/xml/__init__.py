"""XML formats: parse and format libvirt documents (the only module family that touches XML)."""

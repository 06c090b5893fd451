"""libvirt's flag enums, one ``enum.IntFlag`` per libvirt enum with libvirt's member names.

One module per API family (``flags.domain``, ``flags.storage``, ``flags.snapshot``, …); handlers
and the model test bits with these names, never with bare numbers.
"""

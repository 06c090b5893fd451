"""What a guest does on its own (watchdog, I/O errors, panics, trays, PM) and the guest-facing
APIs of the QEMU driver (NMI, keys, PM suspend/wakeup, core dumps) with the events they cause.

Submodules are imported directly (``guest_events.stored``) so that the lifecycle code can use
``channel`` without an import cycle.
"""

"""Domain checkpoints (virDomainCheckpoint*): metadata in a tree per domain, persistent dirty
bitmaps in the disks' qcow2 images (``model/images/bitmaps.py``)."""

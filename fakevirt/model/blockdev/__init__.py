"""A domain's block devices: sizes, I/O statistics, peeking, I/O throttling, write thresholds, I/O errors.

``api.BlockDevices`` is the driver's entry point; ``state.record_disk_error`` lets other families
(block jobs) mark a disk as failed.
"""

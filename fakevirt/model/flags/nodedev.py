"""The node device flags (libvirt-nodedev.h), with libvirt's member names."""

from __future__ import annotations

from enum import IntFlag


class ConnectListAllNodeDeviceFlags(IntFlag):
    CAP_SYSTEM = 1 << 0
    CAP_PCI_DEV = 1 << 1
    CAP_USB_DEV = 1 << 2
    CAP_USB_INTERFACE = 1 << 3
    CAP_NET = 1 << 4
    CAP_SCSI_HOST = 1 << 5
    CAP_SCSI_TARGET = 1 << 6
    CAP_SCSI = 1 << 7
    CAP_STORAGE = 1 << 8
    CAP_FC_HOST = 1 << 9
    CAP_VPORTS = 1 << 10
    CAP_SCSI_GENERIC = 1 << 11
    CAP_DRM = 1 << 12
    CAP_MDEV_TYPES = 1 << 13
    CAP_MDEV = 1 << 14
    CAP_CCW_DEV = 1 << 15
    CAP_CSS_DEV = 1 << 16
    CAP_VDPA = 1 << 17
    CAP_AP_CARD = 1 << 18
    CAP_AP_QUEUE = 1 << 19
    CAP_AP_MATRIX = 1 << 20
    CAP_VPD = 1 << 21
    INACTIVE = 1 << 30
    ACTIVE = 1 << 31


# the capability name (virNodeDevCapType's string) each CAP_ filter stands for
CAP_FILTER_NAMES = {
    ConnectListAllNodeDeviceFlags.CAP_SYSTEM: "system", ConnectListAllNodeDeviceFlags.CAP_PCI_DEV: "pci",
    ConnectListAllNodeDeviceFlags.CAP_USB_DEV: "usb_device", ConnectListAllNodeDeviceFlags.CAP_USB_INTERFACE: "usb",
    ConnectListAllNodeDeviceFlags.CAP_NET: "net", ConnectListAllNodeDeviceFlags.CAP_SCSI_HOST: "scsi_host",
    ConnectListAllNodeDeviceFlags.CAP_SCSI_TARGET: "scsi_target", ConnectListAllNodeDeviceFlags.CAP_SCSI: "scsi",
    ConnectListAllNodeDeviceFlags.CAP_STORAGE: "storage", ConnectListAllNodeDeviceFlags.CAP_FC_HOST: "fc_host",
    ConnectListAllNodeDeviceFlags.CAP_VPORTS: "vports",
    ConnectListAllNodeDeviceFlags.CAP_SCSI_GENERIC: "scsi_generic",
    ConnectListAllNodeDeviceFlags.CAP_DRM: "drm", ConnectListAllNodeDeviceFlags.CAP_MDEV_TYPES: "mdev_types",
    ConnectListAllNodeDeviceFlags.CAP_MDEV: "mdev", ConnectListAllNodeDeviceFlags.CAP_CCW_DEV: "ccw",
    ConnectListAllNodeDeviceFlags.CAP_CSS_DEV: "css", ConnectListAllNodeDeviceFlags.CAP_VDPA: "vdpa",
    ConnectListAllNodeDeviceFlags.CAP_AP_CARD: "ap_card", ConnectListAllNodeDeviceFlags.CAP_AP_QUEUE: "ap_queue",
    ConnectListAllNodeDeviceFlags.CAP_AP_MATRIX: "ap_matrix", ConnectListAllNodeDeviceFlags.CAP_VPD: "vpd",
}
